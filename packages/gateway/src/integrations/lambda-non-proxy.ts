/**
 * Lambda non-proxy integrations (`AWS` type with a Lambda function, spec 7): the
 * request template builds the event the function receives, and the integration
 * responses shape its return value into the route response.
 *
 * - The event is the rendered template parsed as JSON, as Lambda's Invoke takes a JSON
 *   payload; without a template the message passes through (an empty payload is `{}`).
 *   A payload that is not JSON fails the route, as Lambda refuses it
 *   (`InvalidRequestContentException`).
 * - The response body is the function's return value as JSON (`null` for nothing).
 * - A function error is Lambda's error payload, `{"errorMessage", "errorType",
 *   "stackTrace"}`, and its `errorMessage` selects the integration response (spec 7:
 *   `$integration.response.body.errorMessage`); a success selects with an empty
 *   string, so `$default` answers it. Lambda's Invoke answers 200 either way.
 * - On `$connect` a function error refuses the handshake with 502, as for a Lambda
 *   proxy (spec 1.6); a success accepts it.
 */

import type { NonProxyIntegrationFields } from '../definition.ts';
import { GatewayError } from '../errors.ts';
import type { Integration } from './integration.ts';
import { IntegrationTimeoutError } from './integration.ts';
import type { LambdaFunction } from './lambda-function.ts';
import type { Backend, NonProxySettings } from './non-proxy-integration.ts';
import { nonProxyIntegration } from './non-proxy-integration.ts';

export function lambdaNonProxyIntegration(
  fn: LambdaFunction,
  definition: NonProxyIntegrationFields,
  settings: NonProxySettings,
): Integration {
  const backend: Backend = {
    async call({ event, body, deadline }) {
      const payload = parsePayload(body, settings.configPath);
      // Spec 1.6: every `$connect` that succeeded is owed its `$disconnect`.
      const owed = event.requestContext.eventType === 'DISCONNECT';
      let result: unknown;
      try {
        result = await fn.invoke(payload, deadline, { owed });
      } catch (error) {
        // Timeouts and refusals (a full queue) are the gateway's, not the function's.
        if (error instanceof IntegrationTimeoutError || error instanceof GatewayError) throw error;
        if (event.requestContext.eventType === 'CONNECT') throw error;
        const failure = functionError(error);
        return {
          status: 200,
          headers: new Headers({ 'x-amz-function-error': 'Unhandled' }),
          body: JSON.stringify(failure),
          selectionValue: failure.errorMessage,
        };
      }
      return {
        status: 200,
        headers: new Headers(),
        body: JSON.stringify(result ?? null),
        selectionValue: '',
      };
    },
    close: () => fn.close(),
  };
  return nonProxyIntegration(definition, backend, settings);
}

function parsePayload(body: string | Buffer | undefined, configPath: string): unknown {
  const text = body === undefined ? '' : typeof body === 'string' ? body : body.toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(
      `${configPath}: the Lambda payload is not JSON (InvalidRequestContentException); write a request template that renders JSON`,
      { cause: error },
    );
  }
}

/** Lambda's error payload for a thrown value (Node.js runtime shape). */
function functionError(error: unknown): { errorMessage: string; errorType: string; stackTrace: string[] } {
  if (error instanceof Error || (error !== null && typeof error === 'object' && 'message' in error)) {
    const { name, message, stack } = error as { name?: unknown; message?: unknown; stack?: unknown };
    return {
      errorMessage: String(message),
      errorType: typeof name === 'string' ? name : 'Error',
      stackTrace:
        typeof stack === 'string'
          ? stack
              .split('\n')
              .slice(1)
              .map((line) => line.trim())
          : [],
    };
  }
  return { errorMessage: String(error), errorType: typeof error, stackTrace: [] };
}
