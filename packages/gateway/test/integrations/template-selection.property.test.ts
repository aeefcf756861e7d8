/**
 * Property tests of what chooses templates and integration responses from
 * client-controlled input: any message body and any backend answer (status, headers,
 * body, a Lambda errorMessage) selects a key without throwing, and the key is exactly
 * what the expression reads from the input.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { messageEvent } from '../../src/events.ts';
import { compileIntegrationResponses } from '../../src/integrations/integration-responses.ts';
import { compileTemplateSelection } from '../../src/integrations/template-selection.ts';
import { TEST_CONNECTION_FACTS } from '../support/connection-facts.ts';

describe('template selection, as properties', () => {
  const select = compileTemplateSelection('${request.body.kind}-v', 'p');

  it('any body selects without throwing: the member as text for JSON objects, $default for non-JSON', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (body) => {
        const key = select({ requestBody: body });
        let parsed: unknown;
        try {
          parsed = JSON.parse(body);
        } catch {
          assert.equal(key, '$default');
          return;
        }
        const kind = (parsed as { kind?: unknown } | null)?.kind;
        if (typeof kind === 'string' && parsed !== null && Object.hasOwn(parsed as object, 'kind')) {
          assert.equal(key, `${kind}-v`);
        } else {
          assert.equal(typeof key, 'string');
        }
      }),
    );
  });

  it('a response expression reads the status and a header (repeated values joined with ", ")', () => {
    const byResponse = compileTemplateSelection(
      '${integration.response.statuscode}/${integration.response.header.X-Kind}',
      'p',
      true,
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 599 }),
        fc.array(fc.stringMatching(/^[a-z0-9]{0,8}$/), { minLength: 1, maxLength: 3 }),
        (status, values) => {
          const headers = new Headers();
          for (const value of values) headers.append('x-kind', value);
          assert.equal(byResponse({ requestBody: undefined, status, headers }), `${status}/${values.join(', ')}`);
        },
      ),
    );
  });
});

describe('integration response selection, as properties', () => {
  const responses = compileIntegrationResponses(
    {
      '/2\\d\\d/': { template: 'ok' },
      '/Not found: .*/': { template: "missing $input.path('$.errorMessage')" },
      $default: {},
    },
    'p',
  );
  const event = messageEvent(TEST_CONNECTION_FACTS, '$default', '{}', 'r', 'm', 0);

  it('any selection value and body render without throwing; only whole matches select a regex key', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (selectionValue, body) => {
        const text = responses.render({ status: 200, headers: new Headers(), body, selectionValue }, event, {});
        if (/^2\d\d$/.test(selectionValue)) assert.equal(text, 'ok');
        else if (!/^Not found: /.test(selectionValue) || selectionValue.includes('\n')) {
          assert.equal(text, body === '' ? undefined : body);
        }
      }),
    );
  });
});
