/**
 * A non-proxy integration (HTTP, MOCK, AWS; spec 7) as three steps around a backend:
 *
 *   event ─▶ request template (request-templates.ts) ─▶ backend call ─▶ integration
 *         response (integration-responses.ts) ─▶ result: the status, and the text a
 *         two-way route sends back (the route response)
 *
 * The backend's status is the result's `statusCode`, so on `$connect` a non-2xx
 * status refuses the handshake with that status, as a Lambda proxy's `statusCode` does.
 */
import type { NonProxyIntegrationFields } from '../definition.ts';
import type { WebSocketEvent } from '../events.ts';
import type { Integration, IntegrationResult, InvocationRequest } from './integration.ts';
import type { BackendAnswer } from './integration-responses.ts';
import { compileIntegrationResponses } from './integration-responses.ts';
import type { IntegrationRequestBody } from './request-templates.ts';
import { compileRequestTransform } from './request-templates.ts';

export interface BackendCall {
  event: WebSocketEvent;
  /** The rendered request template (or the passed-through message). */
  body: IntegrationRequestBody;
  /** Epoch milliseconds; the backend gives up after it with IntegrationTimeoutError. */
  deadline: number;
}

/** What a non-proxy integration calls: an HTTP endpoint, a Lambda function, an AWS service, or nothing (MOCK). */
export interface Backend {
  call(request: BackendCall): Promise<BackendAnswer>;
  close(): Promise<void>;
}

export interface NonProxySettings {
  stageVariables: Record<string, string>;
  /** Where the definition sits in the config, e.g. `routes.$connect.integration`. */
  configPath: string;
}

/** Wraps a backend with the request templates and integration responses of `definition`. */
export function nonProxyIntegration(
  definition: NonProxyIntegrationFields,
  backend: Backend,
  settings: NonProxySettings,
): Integration {
  const stageVariables = { ...settings.stageVariables };
  const request = compileRequestTransform(definition, settings.configPath);
  const responses = compileIntegrationResponses(definition.responses ?? {}, `${settings.configPath}.responses`);
  return {
    async invoke({ event, deadline }: InvocationRequest): Promise<IntegrationResult> {
      const body = request.render(event, stageVariables);
      const answer = await backend.call({ event, body, deadline });
      const text = responses.render(answer, event, stageVariables);
      return text === undefined ? { statusCode: answer.status } : { statusCode: answer.status, body: text };
    },
    close: () => backend.close(),
  };
}
