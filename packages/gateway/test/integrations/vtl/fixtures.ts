/** Events and inputs the VTL tests render against. */
import type { ConnectionFacts } from '../../../src/events.ts';
import { connectEvent, messageEvent } from '../../../src/events.ts';
import type { TemplateInput } from '../../../src/integrations/vtl/index.ts';

export const facts: ConnectionFacts = {
  connectionId: 'Abc123=',
  connectedAt: 1_700_000_000_000,
  sourceIp: '10.0.0.1',
  stage: 'prod',
  domainName: 'example.test',
  apiId: 'local00000',
  stageVariables: undefined,
  authorizer: { principalId: 'user-1', tier: 'gold' },
};

/** The request time of every event here: 2023-11-14T22:13:20.123Z. */
export const REQUEST_TIME = 1_700_000_000_123;

/** A MESSAGE on route `chat` with `body`. */
export function messageInput(body: string, stageVariables: Record<string, string> = { env: 'test' }): TemplateInput {
  const event = messageEvent(facts, 'chat', body, 'req-1', 'msg-1', REQUEST_TIME);
  return { body, requestContext: event.requestContext, stageVariables };
}

/** A `$connect` with a query string and headers. */
export function connectInput(): TemplateInput {
  const event = connectEvent(
    facts,
    {
      headers: { Host: 'example.test', 'X-Trace': 'a"b' },
      multiValueHeaders: { Host: ['example.test'], 'X-Trace': ['a"b'] },
      query: { single: { room: 'lobby' }, multi: { room: ['lobby'] } },
    },
    'req-0',
    REQUEST_TIME,
  );
  const input: TemplateInput = { body: '', requestContext: event.requestContext, stageVariables: {} };
  if (event.headers) input.headers = event.headers;
  if (event.queryStringParameters) input.queryStringParameters = event.queryStringParameters;
  return input;
}
