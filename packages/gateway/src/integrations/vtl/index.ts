/**
 * API Gateway's Velocity Template Language (VTL) for mapping templates: Velocity 1.7's
 * syntax and semantics (parser.ts, evaluator.ts, operators.ts, methods.ts) with API
 * Gateway's variables (api-gateway-variables.ts). docs/gateway.md, "Mapping templates",
 * lists what is supported and where this differs from AWS.
 */
import { TemplateError } from '../../errors.ts';
import type { TemplateInput } from './api-gateway-variables.ts';
import { apiGatewayVariables, findUnsupportedUse } from './api-gateway-variables.ts';
import type { TemplateNode } from './ast.ts';
import type { RenderLimits } from './evaluator.ts';
import { DEFAULT_RENDER_LIMITS, RenderFailure, renderNodes } from './evaluator.ts';
import { parseTemplate, TemplateSyntaxError } from './parser.ts';

export type { TemplateInput } from './api-gateway-variables.ts';
export type { RenderLimits } from './evaluator.ts';

/** API Gateway's quota for one mapping template (spec 4): 300 KB. */
export const MAX_TEMPLATE_SIZE = 300 * 1024;

export interface CompiledTemplate {
  /** The template as written. */
  readonly source: string;
  /** Names the template in errors, e.g. `routes.sendmessage.integration.requestTemplates.$default`. */
  readonly name: string;
  /** Renders the template; throws TemplateError (code `SB_ERR_TEMPLATE`) naming the line and column. */
  render(input: TemplateInput): string;
}

/**
 * Compiles a mapping template. Throws TemplateError (code `SB_ERR_TEMPLATE`) naming the
 * line and column of a syntax error, a directive or function API Gateway does not have,
 * or a JSONPath outside the supported forms.
 *
 * @example
 * const template = compileTemplate('#set($ttl = $context.requestTimeEpoch / 1000 + 86400){"ttl":$ttl}', 'requestTemplates.$default');
 * template.render({ body: '', requestContext, stageVariables: {} }); // {"ttl":1700086400}
 */
export function compileTemplate(source: string, name: string, limits: Partial<RenderLimits> = {}): CompiledTemplate {
  const settings: RenderLimits = { ...DEFAULT_RENDER_LIMITS, ...limits };
  if (Buffer.byteLength(source, 'utf8') > MAX_TEMPLATE_SIZE) {
    throw new TemplateError(
      name,
      { line: 1, column: 1 },
      `is larger than API Gateway's limit of ${MAX_TEMPLATE_SIZE / 1024} KB`,
    );
  }
  let nodes: TemplateNode[];
  try {
    nodes = parseTemplate(source);
  } catch (error) {
    if (error instanceof TemplateSyntaxError)
      throw new TemplateError(name, positionAt(source, error.offset), error.message);
    throw error;
  }
  const unsupported = findUnsupportedUse(nodes);
  if (unsupported) throw new TemplateError(name, positionAt(source, unsupported.at), unsupported.message);
  return {
    source,
    name,
    render(input: TemplateInput): string {
      try {
        return renderNodes(nodes, apiGatewayVariables(input), settings);
      } catch (error) {
        if (error instanceof RenderFailure) {
          throw new TemplateError(name, positionAt(source, error.offset), error.message);
        }
        throw error;
      }
    },
  };
}

/** The 1-based line and column of `offset` in `source`. */
function positionAt(source: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(offset, 0), source.length);
  for (let index = 0; index < end; index++) {
    if (source[index] === '\n') {
      line++;
      lineStart = index + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}
