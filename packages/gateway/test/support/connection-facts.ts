/** Test support: the facts of one connection, for building events without a gateway. */
import type { ConnectionFacts } from '../../src/events.ts';

export const TEST_CONNECTION_FACTS: ConnectionFacts = Object.freeze({
  connectionId: 'L0SM9cOFvHcCIhw=',
  connectedAt: 1_700_000_000_000,
  sourceIp: '127.0.0.1',
  stage: 'dev',
  domainName: '127.0.0.1',
  apiId: 'local00000',
  stageVariables: undefined,
  authorizer: undefined,
});
