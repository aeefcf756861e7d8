/**
 * Template selection expressions of non-proxy integrations (spec 7):
 *
 * - on the integration request, `${request.body.<path>}` parts and static text (with
 *   `\$default`) choose among `requestTemplates`;
 * - on an integration response, `${integration.response.statuscode}`,
 *   `${integration.response.header.NAME}` and `${integration.response.multivalueheader.NAME}`
 *   may be used as well, to choose among its `responseTemplates`.
 *
 * The result is a key; a key with no template falls back to `$default`.
 */
import { ConfigError, GatewayError } from '../errors.ts';
import { compileSelectionExpression } from '../routing/selection-expression.ts';
import { parseJsonOrUndefined } from './mapping-template.ts';

/** What a template selection expression reads. */
export interface SelectionFacts {
  /** The client's message (`${request.body.*}`); undefined on `$connect` and `$disconnect`. */
  requestBody: string | undefined;
  /** The backend's status (`${integration.response.statuscode}`); response templates only. */
  status?: number;
  /** The backend's headers by lower-case name (`${integration.response.header.X}`); response templates only. */
  headers?: Headers;
}

/** Evaluates to a template key; `$default` when the expression cannot be evaluated. */
export type TemplateSelection = (facts: SelectionFacts) => string;

const RESPONSE_VARIABLE =
  /\$\{integration\.response\.(statuscode|header\.([A-Za-z0-9!#$%&'*+.^_`|~-]+)|multivalueheader\.([A-Za-z0-9!#$%&'*+.^_`|~-]+))\}/g;
const UNBRACED_RESPONSE_VARIABLE = /^\$integration\.response\.(statuscode|header\.(.+)|multivalueheader\.(.+))$/;

/**
 * Compiles an expression; `path` locates it in ConfigErrors. `response` admits the
 * `integration.response.*` variables (integration responses only).
 *
 * @example
 * const select = compileTemplateSelection('${request.body.kind}', 'routes.a.integration.templateSelectionExpression');
 * select({ requestBody: '{"kind":"chat"}' }); // 'chat'
 */
export function compileTemplateSelection(source: string, path: string, response = false): TemplateSelection {
  // The plain `$default` (and `\$default`) always selects the `$default` template.
  if (source === '$default' || source === '\\$default') return () => '$default';
  const unbraced = UNBRACED_RESPONSE_VARIABLE.exec(source);
  const normalised = unbraced ? `\${${source.slice(1)}}` : source;
  /** Each part reads the facts, and the request body parsed once (undefined when not needed or not JSON). */
  const parts: Array<(facts: SelectionFacts, body: unknown) => string> = [];
  let last = 0;
  let usesBody = false;
  const addRequestPart = (text: string): void => {
    if (text === '') return;
    const expression = compileRequestPart(text, path);
    usesBody ||= expression.usesBody;
    parts.push((_facts, body) => expression.evaluate(body));
  };
  for (const match of normalised.matchAll(RESPONSE_VARIABLE)) {
    if (!response) {
      throw new ConfigError(
        'integration.response variables are only known to integration responses; a request template selection reads ${request.body.<path>}',
        { path },
      );
    }
    addRequestPart(normalised.slice(last, match.index));
    const [, which, header, multiHeader] = match;
    if (which === 'statuscode') parts.push((facts) => (facts.status === undefined ? '' : String(facts.status)));
    // fetch joins a repeated header's values with ", ", so both forms read that text.
    else {
      const name = header ?? (multiHeader as string);
      parts.push((facts) => facts.headers?.get(name) ?? '');
    }
    last = match.index + match[0].length;
  }
  addRequestPart(normalised.slice(last));
  return (facts) => {
    const body = usesBody ? parseJsonOrUndefined(facts.requestBody) : undefined;
    // Spec 2 rule 7: a body that is not JSON cannot be evaluated, and selects `$default`.
    if (usesBody && body === undefined) return '$default';
    let key = '';
    for (const part of parts) key += part(facts, body);
    return key;
  };
}

function compileRequestPart(text: string, path: string) {
  try {
    return compileSelectionExpression(text);
  } catch (error) {
    if (error instanceof GatewayError) throw new ConfigError(error.message, { path }, { cause: error });
    throw error;
  }
}
