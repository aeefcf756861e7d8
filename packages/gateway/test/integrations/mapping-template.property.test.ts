/**
 * Property tests of what a mapping template reads from a client-controlled body
 * (the engine's own properties are in vtl/properties.test.ts): `$input.json` and
 * `$input.path` give back exactly what the payload holds, and only that, so
 * member names such as `constructor` or `__proto__` never reach JavaScript
 * internals.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { RequestContext } from '../../src/events.ts';
import { compileMappingTemplate, type TemplateInput } from '../../src/integrations/mapping-template.ts';

const requestContext = {
  routeKey: '$default',
  eventType: 'MESSAGE',
  connectionId: 'AAAAAAAAAAAAAAA=',
  requestId: 'req',
  stage: 'dev',
} as unknown as RequestContext;

function input(body: string): TemplateInput {
  return { body, requestContext, stageVariables: { color: 'blue' } };
}

function render(template: string, body: string): string {
  return compileMappingTemplate(template, 'routes.x.integration.requestTemplates.$default').render(input(body));
}

describe('mapping templates reading a payload, as properties', () => {
  it("$input.json('$.x') renders the JSON of the value at x; $input.path('$.x') a string as it is", () => {
    const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,6}$/);
    fc.assert(
      fc.property(name, fc.jsonValue(), fc.string({ unit: 'grapheme' }), (key, value, text) => {
        const body = JSON.stringify({ [key]: value, text });
        assert.deepEqual(JSON.parse(render(`$input.json('$.${key}')`, body)), JSON.parse(JSON.stringify(value)));
        assert.equal(render(`$input.path('$.text')`, body), text);
      }),
    );
  });

  it('a member the payload does not hold is missing: $input.json renders "" and $input.path nothing', () => {
    const inherited = fc.constantFrom('constructor', 'toString', '__proto__', 'valueOf', 'hasOwnProperty', 'missing');
    fc.assert(
      fc.property(inherited, fc.jsonValue(), (name, value) => {
        const body = JSON.stringify({ value });
        assert.equal(render(`$input.json('$.${name}')`, body), '""');
        assert.equal(render(`$input.path('$.${name}')`, body), '');
        // Inside the value too, unless the payload itself holds such a member.
        const holds = typeof value === 'object' && value !== null && Object.hasOwn(value, name);
        if (!holds) assert.equal(render(`$input.json('$.value.${name}')`, body), '""');
      }),
    );
  });
});
