/**
 * `MOCK` integrations (spec 7): API Gateway answers without a backend. The request
 * template decides the status with a `statusCode` member (`{"statusCode": 200}`); the
 * integration responses, selected by that status, shape what a two-way route sends.
 *
 * Our documented choices where AWS's behaviour is unverified: a rendered request that
 * is not a JSON object, or has no `statusCode`, means 200; a `statusCode` that is not
 * a whole number from 100 to 599 fails the route (an integration error with a log line).
 * The integration response's `$input.body` is empty, as the mock has no response body.
 */
import type { MockIntegrationDefinition } from '../definition.ts';
import type { Integration } from './integration.ts';
import { parseJsonOrUndefined } from './mapping-template.ts';
import type { Backend, NonProxySettings } from './non-proxy-integration.ts';
import { nonProxyIntegration } from './non-proxy-integration.ts';

export function mockIntegration(definition: MockIntegrationDefinition, settings: NonProxySettings): Integration {
  const backend: Backend = {
    async call({ body }) {
      const status = statusOf(typeof body === 'string' ? body : body?.toString('utf8'), settings.configPath);
      return { status, headers: new Headers(), body: '', selectionValue: String(status) };
    },
    async close() {},
  };
  return nonProxyIntegration(definition, backend, settings);
}

function statusOf(rendered: string | undefined, configPath: string): number {
  const parsed = parseJsonOrUndefined(rendered);
  if (parsed === null || typeof parsed !== 'object' || !Object.hasOwn(parsed, 'statusCode')) return 200;
  const value = (parsed as { statusCode: unknown }).statusCode;
  const status = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
    throw new Error(
      `${configPath}: the MOCK request template gave statusCode ${JSON.stringify(value)}; it must be a whole number from 100 to 599`,
    );
  }
  return status;
}
