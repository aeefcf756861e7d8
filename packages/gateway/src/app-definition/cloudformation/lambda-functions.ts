/**
 * A template's Lambda functions (`AWS::Serverless::Function`, `AWS::Lambda::Function`)
 * as the gateway runs them: the handler module found in the function's code folder,
 * its environment variables and its timeout. Only Node.js functions run; any
 * other runtime, a container image or code that lives only in S3 is refused with
 * the reason. A function is read only when the WebSocket API uses it, so the other
 * functions of an app (a Python job, CDK's own helpers) stand in nobody's way.
 */
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isObject, type TemplatePath } from './intrinsics.ts';
import type { CloudFormationTemplate, TemplateResource } from './template.ts';

export const FUNCTION_TYPES = ['AWS::Serverless::Function', 'AWS::Lambda::Function'] as const;

/** Lambda's default function timeout, for SAM and CloudFormation alike. */
const DEFAULT_TIMEOUT_SECONDS = 3;

/** The order Lambda's Node.js runtime tries, then TypeScript sources (built by SAM's or CDK's esbuild on AWS). */
const HANDLER_EXTENSIONS = ['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts'];

export interface AppFunction {
  logicalId: string;
  /** The function's name (`FunctionName`, or `<stack>-<LogicalId>`). */
  functionName: string;
  /** An absolute `path/to/module.ext#export` reference. */
  handler: string;
  environment: Record<string, string>;
  timeoutSeconds: number;
}

/**
 * Finds the folder of a function's code: SAM's `CodeUri`, a CDK asset, or inline
 * code written out. Fails (through `template.fail`) when the code is not local.
 */
export type CodeLocator = (template: CloudFormationTemplate, resource: TemplateResource) => string;

export class TemplateFunctions {
  readonly #template: CloudFormationTemplate;
  readonly #locateCode: CodeLocator;
  readonly #loaded = new Map<string, AppFunction>();
  #byArn: Map<string, string> | undefined;

  constructor(template: CloudFormationTemplate, locateCode: CodeLocator) {
    this.#template = template;
    this.#locateCode = locateCode;
  }

  /**
   * The function an ARN names (a qualifier such as `:live` is ignored: every
   * version runs the local code). Undefined when no function of the template has it.
   */
  logicalIdOfArn(arn: string): string | undefined {
    this.#byArn ??= new Map(
      this.#template
        .resourcesOfType(...FUNCTION_TYPES)
        .map((resource) => [
          String(this.#template.getAtt(resource.logicalId, 'Arn', resource.path)),
          resource.logicalId,
        ]),
    );
    const unqualified = /^(arn:[^:]+:lambda:[^:]+:[^:]+:function:[^:]+)(?::[^:]+)?$/.exec(arn)?.[1];
    return this.#byArn.get(arn) ?? (unqualified ? this.#byArn.get(unqualified) : undefined);
  }

  /** The function, read and checked once. */
  load(logicalId: string): AppFunction {
    const known = this.#loaded.get(logicalId);
    if (known) return known;
    const resource = this.#template.resources.get(logicalId);
    if (!resource) throw new Error(`no function ${logicalId}`);
    const fn = this.#read(resource);
    this.#loaded.set(logicalId, fn);
    return fn;
  }

  /** Logical ids of the functions loaded so far. */
  get used(): ReadonlySet<string> {
    return new Set(this.#loaded.keys());
  }

  #read(resource: TemplateResource): AppFunction {
    const template: CloudFormationTemplate = this.#template;
    const at = (...names: (string | number)[]): TemplatePath => template.propertyPath(resource, ...names);
    const packageType = template.property(resource, 'PackageType');
    if (packageType === 'Image' || template.property(resource, 'ImageUri') !== undefined) {
      template.fail(
        'container image functions cannot run here: only Node.js functions from local code do',
        at('PackageType'),
      );
    }
    const runtime = template.property(resource, 'Runtime');
    if (typeof runtime !== 'string')
      template.fail('a function needs a Runtime (nodejs20.x, nodejs22.x, ...)', resource.path);
    if (!/^nodejs\d+\.x$/.test(runtime)) {
      template.fail(
        `runtime ${runtime} cannot run here: only Node.js functions (nodejs*.x) run in the gateway`,
        at('Runtime'),
      );
    }
    const handler = template.property(resource, 'Handler');
    if (typeof handler !== 'string' || handler === '')
      template.fail('a function needs a Handler (file.export)', resource.path);
    const codeDir = this.#locateCode(template, resource);
    return {
      logicalId: resource.logicalId,
      functionName: String(template.ref(resource.logicalId, resource.path)),
      handler: resolveHandler(handler, codeDir, (problem) => template.fail(problem, at('Handler'))),
      environment: this.#environment(resource),
      timeoutSeconds: this.#timeout(resource),
    };
  }

  #environment(resource: TemplateResource): Record<string, string> {
    const template: CloudFormationTemplate = this.#template;
    const environment = template.property(resource, 'Environment');
    if (environment === undefined) return {};
    const variables = isObject(environment) ? (environment.Variables ?? {}) : undefined;
    if (!isObject(variables))
      template.fail('Environment is { Variables: { NAME: value } }', template.propertyPath(resource, 'Environment'));
    const path = template.propertyPath(resource, 'Environment', 'Variables');
    return Object.fromEntries(
      Object.entries(variables).map(([name, value]) => {
        if (typeof value === 'object' && value !== null)
          template.fail(`variable ${name} must be a string`, [...path, name]);
        return [name, String(value)];
      }),
    );
  }

  #timeout(resource: TemplateResource): number {
    const value = this.#template.property(resource, 'Timeout');
    if (value === undefined) return DEFAULT_TIMEOUT_SECONDS;
    const seconds = Number(value);
    if (!Number.isFinite(seconds) || seconds < 1 || seconds > 900) {
      this.#template.fail('Timeout is 1 to 900 seconds', this.#template.propertyPath(resource, 'Timeout'));
    }
    return seconds;
  }
}

/**
 * Lambda's `file.export`: the module path runs up to the first dot of its last
 * segment (`src/handlers/app.onConnect` is `src/handlers/app`, export `onConnect`).
 */
export function resolveHandler(handler: string, codeDir: string, fail: (problem: string) => never): string {
  const lastSlash = handler.lastIndexOf('/');
  const dot = handler.indexOf('.', lastSlash + 1);
  if (dot === -1 || dot === handler.length - 1) fail(`Handler "${handler}" is not file.export`);
  const modulePath = handler.slice(0, dot);
  const exportName = handler.slice(dot + 1);
  for (const extension of HANDLER_EXTENSIONS) {
    const file = join(codeDir, `${modulePath}${extension}`);
    if (existsSync(file)) return `${file}#${exportName}`;
  }
  const tried = HANDLER_EXTENSIONS.map((extension) => `${modulePath}${extension}`).join(', ');
  const folder = relative(process.cwd(), codeDir) || '.';
  return fail(`Handler "${handler}": none of ${tried} exists in ${folder}`);
}
