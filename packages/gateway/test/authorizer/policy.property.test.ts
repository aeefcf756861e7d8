/**
 * Policy evaluation of an authorizer's answer (spec 6), as properties: a Resource
 * glob (`*` any run, `?` one character) matches exactly what the equivalent
 * anchored regular expression matches, and a glob whose stars fail to match is
 * decided in steps that grow with its length, not exponentially.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { policyAllows } from '../../src/authorizer/policy.ts';

const ACTION = 'execute-api:Invoke';

const allowing = (resource: string) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ACTION, Resource: resource }],
});

/** The glob's meaning written as a RegExp, for short texts only. */
function reference(glob: string, value: string): boolean {
  const source = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.');
  return new RegExp(`^${source}$`, 's').test(value);
}

const alphabet = fc.constantFrom('a', 'b', '/', '$', '*', '?', '.');
const globs = fc.array(alphabet, { maxLength: 10 }).map((parts) => parts.join(''));
const texts = fc.array(fc.constantFrom('a', 'b', '/', '$', '.', '*'), { maxLength: 12 }).map((parts) => parts.join(''));

describe('authorizer policies, as properties', () => {
  it('a Resource glob matches what its regular expression matches', () => {
    fc.assert(
      fc.property(globs, texts, (glob, value) => {
        assert.equal(policyAllows(allowing(glob), ACTION, value), reference(glob, value), `${glob} on ${value}`);
      }),
      { numRuns: 5000 },
    );
  });

  it('an Action matches ignoring case, with the same globs', () => {
    const document = { Statement: { Effect: 'Allow', Action: 'Execute-API:*', Resource: '*' } };
    assert.equal(policyAllows(document, ACTION, 'arn'), true);
    assert.equal(policyAllows(document, 'execute-apx:Invoke', 'arn'), false);
  });

  it('decides at once a glob of many stars that does not match (a RegExp would take minutes)', () => {
    const methodArn = `arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/$connect${'a'.repeat(200)}`;
    for (const stars of [8, 12, 40, 200]) {
      assert.equal(policyAllows(allowing(`${'*'.repeat(stars)}x`), ACTION, methodArn), false);
      assert.equal(policyAllows(allowing(`${'*a'.repeat(stars)}*x`), ACTION, methodArn), false);
      assert.equal(policyAllows(allowing(`${'*'.repeat(stars)}a`), ACTION, methodArn), true);
    }
  });
});
