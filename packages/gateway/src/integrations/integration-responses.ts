/**
 * Integration responses of non-proxy integrations (spec 7): the backend's answer is
 * matched against the response keys, and the chosen response's template shapes what
 * the route response sends back.
 *
 *   selection value ─▶ first `/regex/` key matching all of it (in definition order)
 *                   ─▶ else `$default` ─▶ else none: the body passes through as it is
 *
 * The selection value is fixed by the integration type (spec 7 table): the status code
 * for HTTP, MOCK and AWS service actions, and the function error's `errorMessage` for
 * Lambda (empty on success, so a successful call takes `$default`). Keys are Java
 * regular expressions, as API Gateway runs Java; what JavaScript cannot reproduce is
 * refused when the config loads, and one that backtracks on a selection value runs
 * within a time limit (PatternTimeLimitError fails the route, as any integration error).
 *
 * Within a response, `templateSelectionExpression` (`${integration.response.statuscode}`,
 * `${integration.response.header.X}`, `${request.body.x}`, static text) picks one of its
 * templates, `$default` being the fallback; without a template the body passes through.
 * `contentHandling: CONVERT_TO_TEXT` base64-encodes the backend's bytes first.
 */
import type { IntegrationResponseDefinition } from '../definition.ts';
import { ConfigError } from '../errors.ts';
import type { WebSocketEvent } from '../events.ts';
import type { MappingTemplate } from './mapping-template.ts';
import { compileMappingTemplate } from './mapping-template.ts';
import { compileTemplates, templateInput } from './request-templates.ts';
import type { TemplateSelection } from './template-selection.ts';
import { compileTemplateSelection } from './template-selection.ts';
import { javaMatches } from './vtl/java-regex.ts';

/** What a backend answered, before integration responses. */
export interface BackendAnswer {
  /** HTTP status of the backend (MOCK: the request template's `statusCode`). */
  status: number;
  headers: Headers;
  /** The answer's bytes, or its text. */
  body: Buffer | string;
  /** What the response keys are matched against (the status, or a Lambda `errorMessage`). */
  selectionValue: string;
}

export interface IntegrationResponses {
  /** The text for the route response, or undefined when there is none (an empty body). */
  render(answer: BackendAnswer, event: WebSocketEvent, stageVariables: Record<string, string>): string | undefined;
}

interface CompiledResponse {
  key: string;
  select: TemplateSelection;
  templates: Map<string, MappingTemplate>;
  toText: boolean;
}

/**
 * Compiles `responses` (keyed by `$default` or `/regex/`); `path` locates problems,
 * e.g. `routes.a.integration.responses`.
 *
 * @example
 * const responses = compileIntegrationResponses({ '/2\\d\\d/': { template: '{"ok":true}' } }, 'routes.a.integration.responses');
 */
export function compileIntegrationResponses(
  source: Record<string, IntegrationResponseDefinition>,
  path: string,
): IntegrationResponses {
  const matching: CompiledResponse[] = [];
  let fallback: CompiledResponse | undefined;
  for (const [key, definition] of Object.entries(source)) {
    const compiled = compileResponse(key, definition ?? {}, `${path}.${key}`);
    if (key === '$default') fallback = compiled;
    else matching.push(compiled);
  }
  return {
    render(answer, event, stageVariables) {
      const response =
        matching.find((candidate) => javaMatches(answer.selectionValue, candidate.key.slice(1, -1))) ?? fallback;
      const text = toText(answer.body, response?.toText ?? false);
      if (!response) return text === '' ? undefined : text;
      const key = response.select({ requestBody: event.body, status: answer.status, headers: answer.headers });
      const template = response.templates.get(key) ?? response.templates.get('$default');
      const rendered = template ? template.render(templateInput(text, event, stageVariables)) : text;
      return rendered === '' ? undefined : rendered;
    },
  };
}

function compileResponse(key: string, definition: IntegrationResponseDefinition, path: string): CompiledResponse {
  if (key !== '$default') checkResponseKey(key, path);
  if (definition.template !== undefined && definition.templates !== undefined) {
    throw new ConfigError('give either template or templates, not both', { path: `${path}.templates` });
  }
  const templates =
    definition.template === undefined
      ? compileTemplates(definition.templates ?? {}, `${path}.templates`)
      : new Map([['$default', compileMappingTemplate(definition.template, `${path}.template`)]]);
  if (definition.contentHandling === 'CONVERT_TO_BINARY') {
    throw new ConfigError(
      'CONVERT_TO_BINARY would send a binary frame, and clients only get text frames here; use CONVERT_TO_TEXT or leave contentHandling out',
      { path: `${path}.contentHandling` },
    );
  }
  return {
    key,
    select: compileTemplateSelection(
      definition.templateSelectionExpression ?? '$default',
      `${path}.templateSelectionExpression`,
      true,
    ),
    templates,
    toText: definition.contentHandling === 'CONVERT_TO_TEXT',
  };
}

/** A key is `$default` or a Java regex in slashes, e.g. `/2\d\d/` (spec 7). */
function checkResponseKey(key: string, path: string): void {
  if (key.length < 3 || !key.startsWith('/') || !key.endsWith('/')) {
    throw new ConfigError(`integration response key "${key}" must be $default or a regex in slashes, e.g. /2\\d\\d/`, {
      path,
    });
  }
  try {
    javaMatches('', key.slice(1, -1));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(
      `integration response key "${key}" is not a valid regex: ${reason}`,
      { path },
      { cause: error },
    );
  }
}

function toText(body: Buffer | string, base64: boolean): string {
  if (base64) return Buffer.from(body).toString('base64');
  return typeof body === 'string' ? body : new TextDecoder().decode(body);
}
