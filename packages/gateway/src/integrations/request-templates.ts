/**
 * The integration request of a non-proxy integration (HTTP, MOCK, AWS; spec 7): the
 * request template chosen by `templateSelectionExpression` turns the client's message
 * (or the handshake, on `$connect`) into what the backend receives.
 *
 *   selection key ─▶ its template? ─▶ else the `$default` template? ─▶ else passthrough:
 *     WHEN_NO_MATCH (default)  the body goes to the backend as it is
 *     WHEN_NO_TEMPLATES        as it is only when the integration has no templates at all
 *     NEVER                    refused (NoTemplateMatchError)
 *
 * `contentHandling: CONVERT_TO_BINARY` base64-decodes the result into bytes (for a
 * backend that takes binary); `CONVERT_TO_TEXT` leaves text as it is, as every client
 * message that reaches an integration is text (binary frames close with 1003, spec 4).
 */
import type { ContentHandling, NonProxyIntegrationFields, PassthroughBehavior } from '../definition.ts';
import { ConfigError, GatewayError, GatewayErrorCode } from '../errors.ts';
import type { WebSocketEvent } from '../events.ts';
import type { MappingTemplate, TemplateInput } from './mapping-template.ts';
import { compileMappingTemplate } from './mapping-template.ts';
import type { TemplateSelection } from './template-selection.ts';
import { compileTemplateSelection } from './template-selection.ts';

/** What the backend receives: text, bytes (`CONVERT_TO_BINARY`), or nothing (no payload and no template). */
export type IntegrationRequestBody = string | Buffer | undefined;

export interface RequestTransform {
  /** Renders the integration request body; throws NoTemplateMatchError or TemplateError. */
  render(event: WebSocketEvent, stageVariables: Record<string, string>): IntegrationRequestBody;
}

/**
 * The message matched no request template and `passthroughBehavior` forbids sending
 * it as it is. The route fails like any integration error (an `Internal server error`
 * frame, 502 on `$connect`) with this message in the log; REST APIs answer 415 here.
 */
export class NoTemplateMatchError extends GatewayError {
  constructor(key: string, behavior: PassthroughBehavior, configPath: string) {
    super(
      GatewayErrorCode.noTemplateMatch,
      `${configPath}: no request template for selection key "${key}" and no $default template, and passthroughBehavior ${behavior} does not pass the body through`,
    );
    this.name = 'NoTemplateMatchError';
  }
}

/**
 * Compiles the request side of a non-proxy integration; `configPath` (e.g.
 * `routes.$connect.integration`) locates problems in ConfigErrors and TemplateErrors.
 *
 * @example
 * const transform = compileRequestTransform({ requestTemplates: { $default: '{"statusCode": 200}' } }, 'routes.$connect.integration');
 * transform.render(connectEvent, {}); // '{"statusCode": 200}'
 */
export function compileRequestTransform(definition: NonProxyIntegrationFields, configPath: string): RequestTransform {
  const templates = compileTemplates(definition.requestTemplates ?? {}, `${configPath}.requestTemplates`);
  const select: TemplateSelection = compileTemplateSelection(
    definition.templateSelectionExpression ?? '$default',
    `${configPath}.templateSelectionExpression`,
  );
  const behavior = definition.passthroughBehavior ?? 'WHEN_NO_MATCH';
  const contentHandling = definition.contentHandling;
  return {
    render(event, stageVariables) {
      const key = select({ requestBody: event.body });
      const template = templates.get(key) ?? templates.get('$default');
      let body: string | undefined;
      if (template) {
        body = template.render(templateInput(event.body ?? '', event, stageVariables));
      } else if (behavior === 'NEVER' || (behavior === 'WHEN_NO_TEMPLATES' && templates.size > 0)) {
        throw new NoTemplateMatchError(key, behavior, configPath);
      } else {
        body = event.body;
      }
      return convert(body, contentHandling);
    },
  };
}

/** What a template sees: the payload, and the event's context, stage variables and handshake (`$input.params()`). */
export function templateInput(
  body: string,
  event: WebSocketEvent,
  stageVariables: Record<string, string>,
): TemplateInput {
  const input: TemplateInput = { body, requestContext: event.requestContext, stageVariables };
  if (event.headers) input.headers = event.headers;
  if (event.queryStringParameters) input.queryStringParameters = event.queryStringParameters;
  return input;
}

/** Compiles a map of templates keyed by selection key; each is named `<path>.<key>` in errors. */
export function compileTemplates(source: Record<string, string>, path: string): Map<string, MappingTemplate> {
  const templates = new Map<string, MappingTemplate>();
  for (const [key, template] of Object.entries(source)) {
    if (typeof template !== 'string') throw new ConfigError('a template must be a string', { path: `${path}.${key}` });
    templates.set(key, compileMappingTemplate(template, `${path}.${key}`));
  }
  return templates;
}

function convert(body: string | undefined, contentHandling: ContentHandling | undefined): IntegrationRequestBody {
  if (body === undefined || contentHandling !== 'CONVERT_TO_BINARY') return body;
  return Buffer.from(body, 'base64');
}
