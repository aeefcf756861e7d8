/**
 * Evaluates CloudFormation's intrinsic functions (`Ref`, `Fn::GetAtt`, `Fn::Sub`,
 * `Fn::Join`, `Fn::If`, `Fn::Select`, ...) in a template value, the way
 * CloudFormation does at deploy time, against the values of this local run:
 * parameters, pseudo parameters, conditions, mappings and the names this run
 * gives to resources. Values are resolved on demand, so a function that cannot be
 * evaluated locally (`Fn::Cidr`, an import from a stack that is not here) is an
 * error only where its value is needed.
 */

/** A path into the template, for errors: `['Resources', 'Fn', 'Properties', 'Handler']`. */
export type TemplatePath = readonly (string | number)[];

/** `Ref: AWS::NoValue`: the property is removed, as if it were not written. */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

/** What the resolver needs from the template and the run; `fail` throws a located error. */
export interface ResolverScope {
  /** A `Ref` to a parameter, a pseudo parameter or a resource. */
  ref(name: string, path: TemplatePath): unknown;
  getAtt(logicalId: string, attribute: string, path: TemplatePath): unknown;
  condition(name: string, path: TemplatePath): boolean;
  findInMap(map: string, topKey: string, secondKey: string, path: TemplatePath): unknown;
  importValue(name: string, path: TemplatePath): unknown;
  region(): string;
  fail(problem: string, path: TemplatePath): never;
}

type Evaluate = (argument: unknown, path: TemplatePath, resolver: IntrinsicResolver) => unknown;

const FUNCTIONS: Record<string, Evaluate> = {
  Ref: (argument, path, resolver) => resolver.scope.ref(resolver.string(argument, path), path),
  'Fn::GetAtt': (argument, path, resolver) => {
    const value = resolver.resolve(argument, path);
    const [logicalId, attribute] = typeof value === 'string' ? splitFirstDot(value) : Array.isArray(value) ? value : [];
    if (
      typeof logicalId !== 'string' ||
      typeof attribute !== 'string' ||
      (Array.isArray(value) && value.length !== 2)
    ) {
      return resolver.scope.fail('Fn::GetAtt takes [LogicalId, Attribute] or "LogicalId.Attribute"', path);
    }
    return resolver.scope.getAtt(logicalId, attribute, path);
  },
  'Fn::Sub': (argument, path, resolver) => {
    const [template, variables] = Array.isArray(argument) ? argument : [argument, {}];
    if (typeof template !== 'string' || !isObject(variables)) {
      return resolver.scope.fail('Fn::Sub takes a string, or [string, { Name: value }]', path);
    }
    return substitute(template, variables, path, resolver);
  },
  'Fn::Join': (argument, path, resolver) => {
    const [delimiter, list] = pair(argument, path, resolver, 'Fn::Join takes [delimiter, [values]]');
    return resolver
      .list(list, [...path, 1])
      .map((item, index) => resolver.scalarText(item, [...path, 1, index]))
      .join(resolver.string(delimiter, [...path, 0]));
  },
  'Fn::Select': (argument, path, resolver) => {
    const [index, list] = pair(argument, path, resolver, 'Fn::Select takes [index, [values]]');
    const position = Number(resolver.resolve(index, [...path, 0]));
    const items = resolver.list(list, [...path, 1]);
    if (!Number.isInteger(position) || position < 0 || position >= items.length) {
      return resolver.scope.fail(`Fn::Select index ${String(index)} is outside the list of ${items.length}`, path);
    }
    return items[position];
  },
  'Fn::Split': (argument, path, resolver) => {
    const [delimiter, text] = pair(argument, path, resolver, 'Fn::Split takes [delimiter, string]');
    return resolver.string(text, [...path, 1]).split(resolver.string(delimiter, [...path, 0]));
  },
  'Fn::If': (argument, path, resolver) => {
    if (!Array.isArray(argument) || argument.length !== 3 || typeof argument[0] !== 'string') {
      return resolver.scope.fail('Fn::If takes [ConditionName, valueIfTrue, valueIfFalse]', path);
    }
    const chosen = resolver.scope.condition(argument[0], [...path, 0]) ? 1 : 2;
    return resolver.resolve(argument[chosen], [...path, chosen]);
  },
  'Fn::FindInMap': (argument, path, resolver) => {
    if (!Array.isArray(argument) || argument.length < 3) {
      return resolver.scope.fail('Fn::FindInMap takes [MapName, TopLevelKey, SecondLevelKey]', path);
    }
    const [map, top, second] = argument.slice(0, 3).map((item, index) => resolver.string(item, [...path, index]));
    return resolver.scope.findInMap(map as string, top as string, second as string, path);
  },
  'Fn::ImportValue': (argument, path, resolver) => resolver.scope.importValue(resolver.string(argument, path), path),
  'Fn::Base64': (argument, path, resolver) => Buffer.from(resolver.string(argument, path)).toString('base64'),
  'Fn::GetAZs': (argument, path, resolver) => {
    const region = resolver.string(argument, path) || resolver.scope.region();
    return ['a', 'b', 'c'].map((zone) => `${region}${zone}`);
  },
  'Fn::Length': (argument, path, resolver) => resolver.list(argument, path).length,
  'Fn::ToJsonString': (argument, path, resolver) => JSON.stringify(resolver.resolve(argument, path)),
  'Fn::Equals': (argument, path, resolver) => {
    const [left, right] = pair(argument, path, resolver, 'Fn::Equals takes [value, value]');
    return String(resolver.resolve(left, [...path, 0])) === String(resolver.resolve(right, [...path, 1]));
  },
  'Fn::And': (argument, path, resolver) => resolver.conditions(argument, path, 'Fn::And').every(Boolean),
  'Fn::Or': (argument, path, resolver) => resolver.conditions(argument, path, 'Fn::Or').some(Boolean),
  'Fn::Not': (argument, path, resolver) => !resolver.conditions(argument, path, 'Fn::Not')[0],
  Condition: (argument, path, resolver) => resolver.scope.condition(resolver.string(argument, path), path),
};

const UNSUPPORTED: Record<string, string> = {
  'Fn::Cidr': 'Fn::Cidr (address blocks for networks) has no meaning locally',
  'Fn::Transform': 'Fn::Transform (macros) cannot run locally',
};

export class IntrinsicResolver {
  readonly scope: ResolverScope;

  constructor(scope: ResolverScope) {
    this.scope = scope;
  }

  /** The value with every intrinsic function evaluated; `NO_VALUE` where `AWS::NoValue` removes it. */
  resolve(value: unknown, path: TemplatePath): unknown {
    if (Array.isArray(value)) {
      return value.map((item, index) => this.resolve(item, [...path, index])).filter((item) => item !== NO_VALUE);
    }
    if (!isObject(value)) return value;
    const keys = Object.keys(value);
    const [only] = keys;
    if (keys.length === 1 && only !== undefined) {
      const evaluate = FUNCTIONS[only];
      if (evaluate) return evaluate(value[only], [...path, only], this);
      const unsupported = UNSUPPORTED[only];
      if (unsupported) return this.scope.fail(unsupported, [...path, only]);
    }
    const resolved: Record<string, unknown> = {};
    for (const key of keys) {
      const item = this.resolve(value[key], [...path, key]);
      if (item !== NO_VALUE) resolved[key] = item;
    }
    return resolved;
  }

  /** A value that must be a string (numbers are accepted, as CloudFormation does). */
  string(value: unknown, path: TemplatePath): string {
    return this.scalarText(this.resolve(value, path), path);
  }

  scalarText(value: unknown, path: TemplatePath): string {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    return this.scope.fail(`expected a string here, found ${describe(value)}`, path);
  }

  list(value: unknown, path: TemplatePath): unknown[] {
    const resolved = this.resolve(value, path);
    if (!Array.isArray(resolved)) return this.scope.fail(`expected a list here, found ${describe(resolved)}`, path);
    return resolved;
  }

  conditions(argument: unknown, path: TemplatePath, name: string): boolean[] {
    if (!Array.isArray(argument) || argument.length === 0) {
      return this.scope.fail(`${name} takes a list of conditions`, path);
    }
    return argument.map((item, index) => {
      const value = this.resolve(item, [...path, index]);
      if (typeof value !== 'boolean')
        return this.scope.fail(`${name} takes conditions, found ${describe(value)}`, path);
      return value;
    });
  }
}

/** `${Name}`, `${Resource.Attribute}` and `${!Literal}` (which stays `${Literal}`). */
function substitute(
  template: string,
  variables: Record<string, unknown>,
  path: TemplatePath,
  resolver: IntrinsicResolver,
): string {
  return template.replace(/\$\{([^}]*)\}/g, (whole, name: string) => {
    if (name.startsWith('!')) return `\${${name.slice(1)}}`;
    const trimmed = name.trim();
    if (Object.hasOwn(variables, trimmed)) return resolver.string(variables[trimmed], [...path, 1, trimmed]);
    if (!/^[A-Za-z0-9_.:]+$/.test(trimmed)) return resolver.scope.fail(`Fn::Sub cannot read ${whole}`, path);
    const dot = trimmed.includes('::') ? -1 : trimmed.indexOf('.');
    const value =
      dot === -1
        ? resolver.scope.ref(trimmed, path)
        : resolver.scope.getAtt(trimmed.slice(0, dot), trimmed.slice(dot + 1), path);
    return resolver.scalarText(value, path);
  });
}

function pair(argument: unknown, path: TemplatePath, resolver: IntrinsicResolver, usage: string): [unknown, unknown] {
  if (!Array.isArray(argument) || argument.length !== 2) return resolver.scope.fail(usage, path);
  return [argument[0], argument[1]];
}

/** Attribute names may hold dots (`Endpoint.Address`): the resource name ends at the first one. */
function splitFirstDot(value: string): string[] {
  const dot = value.indexOf('.');
  return dot === -1 ? [value] : [value.slice(0, dot), value.slice(dot + 1)];
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function describe(value: unknown): string {
  if (value === NO_VALUE) return 'AWS::NoValue';
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}
