/**
 * Mapping templates (spec 7) for integrations: API Gateway's VTL (see vtl/index.ts),
 * compiled once when the config is loaded.
 *
 * A template that cannot be compiled stops start-up with a ConfigError naming its place
 * in the config, the line and the column. A template that fails while rendering (a Java
 * exception on AWS, a limit) throws TemplateError (`SB_ERR_TEMPLATE`), which fails the
 * route like any integration error: an `Internal server error` frame and a log line.
 */
import { ConfigError, TemplateError } from '../errors.ts';
import type { CompiledTemplate, TemplateInput } from './vtl/index.ts';
import { compileTemplate } from './vtl/index.ts';

export type { TemplateInput } from './vtl/index.ts';

export interface MappingTemplate {
  /** The template as written. */
  readonly source: string;
  /** Renders the template; throws TemplateError naming the line and column of a failure. */
  render(input: TemplateInput): string;
}

/**
 * Compiles a template; `configPath` names it in errors,
 * e.g. `routes.sendmessage.integration.requestTemplates.$default`.
 *
 * @example
 * compileMappingTemplate('{"id":"$context.connectionId","x":$input.json(\'$.x\')}', 'routes.a.integration.requestTemplates.$default')
 */
export function compileMappingTemplate(source: string, configPath: string): MappingTemplate {
  let template: CompiledTemplate;
  try {
    template = compileTemplate(source, configPath);
  } catch (error) {
    if (error instanceof TemplateError) {
      const { line, column } = error.position;
      throw new ConfigError(
        `mapping template line ${line}, column ${column}: ${error.problem}`,
        { path: configPath },
        { cause: error },
      );
    }
    throw error;
  }
  return template;
}

/** The parsed JSON text as plain JavaScript values, or `undefined` when there is none or it is not JSON. */
export function parseJsonOrUndefined(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
