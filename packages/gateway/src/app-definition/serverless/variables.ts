/**
 * Serverless Framework v3 variables in serverless.yml: `${self:path.to.value}`,
 * `${opt:stage}`, `${opt:region}`, `${env:NAME}`, `${sls:stage}`, `${aws:region}`,
 * `${aws:accountId}`, with fallbacks (`${opt:stage, 'dev'}`) and variables nested
 * in addresses (`${self:custom.tables.${sls:stage}}`). A variable that is the
 * whole value may give a number, a list or a mapping; inside text it must give
 * text or a number. Sources that only AWS can answer (`ssm:`, `cf:`, `s3:`) are
 * errors unless a fallback follows.
 */
import { isObject, type TemplatePath } from '../cloudformation/intrinsics.ts';

export interface VariableSources {
  /** `--stage` (`opt:stage`). */
  stage: string | undefined;
  /** `--region` (`opt:region`). */
  region: string | undefined;
  /** `sls:stage`: `opt:stage`, else `provider.stage`, else `dev`. */
  slsStage(): string;
  /** `aws:region`. */
  awsRegion(): string;
  accountId: string;
  env: NodeJS.ProcessEnv;
  fail(problem: string, path: TemplatePath): never;
}

/** How deep variables may refer to variables before it is taken for a loop. */
const MAX_DEPTH = 50;
const INNERMOST = /\$\{([^${}]*)\}/g;
const WHOLE = /^\$\{([^${}]*)\}$/;

export class ServerlessVariables {
  readonly #document: Record<string, unknown>;
  readonly #sources: VariableSources;
  readonly #resolving = new Set<string>();

  constructor(document: Record<string, unknown>, sources: VariableSources) {
    this.#document = document;
    this.#sources = sources;
  }

  /** The value at `path` of the document, every variable in it resolved. */
  resolveAt(path: TemplatePath): unknown {
    let value: unknown = this.#document;
    for (const segment of path)
      value = isObject(value) || Array.isArray(value) ? (value as Record<string, unknown>)[segment] : undefined;
    return this.resolve(value, path, 0);
  }

  resolve(value: unknown, path: TemplatePath, depth = 0): unknown {
    if (typeof value === 'string') return this.#string(value, path, depth);
    if (Array.isArray(value)) return value.map((item, index) => this.resolve(item, [...path, index], depth));
    if (isObject(value)) {
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => [key, this.resolve(item, [...path, key], depth)]),
      );
    }
    return value;
  }

  /**
   * Innermost variables first, so that `${self:custom.${sls:stage}}` reads the
   * stage before the address. CloudFormation's own `${AWS::Region}`, `${Table.Arn}`
   * and `${!Literal}` (for `Fn::Sub`) are left as they are.
   */
  #string(text: string, path: TemplatePath, depth: number): unknown {
    let current = text;
    for (let pass = depth; ; pass++) {
      if (pass > MAX_DEPTH) this.#sources.fail('variables refer to each other in a loop', path);
      const whole = WHOLE.exec(current)?.[1];
      if (whole !== undefined && isVariable(whole)) {
        const value = this.#evaluate(whole, path, pass);
        return typeof value === 'string' ? this.#string(value, path, pass + 1) : value;
      }
      let replaced = false;
      current = current.replace(INNERMOST, (match, expression: string) => {
        if (!isVariable(expression)) return match;
        replaced = true;
        const value = this.#evaluate(expression, path, pass);
        if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
          this.#sources.fail(
            `\${${expression}} is inside text, so it must give text or a number, not ${describeValue(value)}`,
            path,
          );
        }
        return String(value);
      });
      if (!replaced) return current;
    }
  }

  /** `source:address, fallback, 'literal'`: the first source with a value. */
  #evaluate(expression: string, path: TemplatePath, depth: number): unknown {
    const sources = splitFallbacks(expression);
    for (const [index, source] of sources.entries()) {
      const value = this.#source(source, path, depth, index < sources.length - 1);
      if (value !== undefined && value !== null) return value;
    }
    return this.#sources.fail(
      `\${${expression}} has no value: set it, or add a fallback such as \${${expression}, 'default'}`,
      path,
    );
  }

  #source(source: string, path: TemplatePath, depth: number, hasFallback: boolean): unknown {
    const literal = /^'([^']*)'$|^"([^"]*)"$/.exec(source);
    if (literal) return literal[1] ?? literal[2];
    if (/^-?\d+(\.\d+)?$/.test(source)) return Number(source);
    if (source === 'true' || source === 'false') return source === 'true';
    const colon = source.indexOf(':');
    const type = colon === -1 ? source : source.slice(0, colon);
    const address = colon === -1 ? '' : source.slice(colon + 1);
    const sources = this.#sources;
    switch (type) {
      case 'self':
        return this.#self(address, path, depth);
      case 'opt':
        return address === 'stage' ? sources.stage : address === 'region' ? sources.region : undefined;
      case 'env':
        return sources.env[address];
      case 'sls':
        if (address === 'stage') return sources.slsStage();
        if (address === 'instanceId') return 'local';
        return sources.fail(`\${sls:${address}} is not known: sls:stage and sls:instanceId are`, path);
      case 'aws':
        if (address === 'region') return sources.awsRegion();
        if (address === 'accountId') return sources.accountId;
        return sources.fail(`\${aws:${address}} is not known: aws:region and aws:accountId are`, path);
      default:
        if (hasFallback) return undefined;
        return sources.fail(
          `\${${source}} cannot be resolved locally (${type} reads AWS or another file): add a fallback, e.g. \${${source}, 'value'}`,
          path,
        );
    }
  }

  #self(address: string, path: TemplatePath, depth: number): unknown {
    const target = address === '' ? [] : address.split('.');
    const key = target.join('.');
    if (this.#resolving.has(key)) this.#sources.fail(`\${self:${address}} refers back to itself`, path);
    this.#resolving.add(key);
    try {
      let value: unknown = this.#document;
      for (const segment of target) {
        if (!isObject(value) && !Array.isArray(value)) return undefined;
        value = (value as Record<string, unknown>)[segment];
      }
      return this.resolve(value, target, depth + 1);
    } finally {
      this.#resolving.delete(key);
    }
  }
}

/** `type:address` or `type(...)`, but not CloudFormation's `AWS::Region`. */
function isVariable(expression: string): boolean {
  return /^\s*[A-Za-z][A-Za-z0-9]*(?:\(|:(?!:))/.test(expression);
}

/** Splits `a, 'b, c', d` at the commas outside quotes. */
function splitFallbacks(expression: string): string[] {
  return (expression.match(/(?:'[^']*'|"[^"]*"|[^,])+/g) ?? []).map((part) => part.trim()).filter(Boolean);
}

function describeValue(value: unknown): string {
  return Array.isArray(value) ? 'a list' : isObject(value) ? 'a mapping' : String(value);
}
