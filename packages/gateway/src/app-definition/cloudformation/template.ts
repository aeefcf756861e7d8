/**
 * A CloudFormation template read for a local run: its resources, and the values
 * of parameters, pseudo parameters, conditions, mappings and resource references
 * resolved the way CloudFormation would, on demand. Every problem is a
 * `ConfigError` naming the file, the line and the path of the offending value.
 */
import type { Locate } from '../../config/validate.ts';
import { ConfigError } from '../../errors.ts';
import {
  describe,
  IntrinsicResolver,
  isObject,
  NO_VALUE,
  type ResolverScope,
  type TemplatePath,
} from './intrinsics.ts';
import { attributeValue, type RunNames, refValue } from './resource-names.ts';

export interface TemplateSource {
  /** The file as the user named it, for errors. */
  file: string;
  data: unknown;
  locate: Locate;
  /**
   * Where a section (`Resources`, `Conditions`, ...) is in the file, when the
   * template is made from another format (serverless.yml keeps them under `resources`).
   * @default the section's own name, at the top
   */
  sectionPath?: (section: string) => TemplatePath;
}

export interface TemplateOptions extends RunNames {
  /** Parameter values that replace the template's defaults (`--parameter-overrides`). */
  parameterOverrides: Readonly<Record<string, string>>;
  /** Values other stacks of the same app export, for `Fn::ImportValue`, resolved when imported. */
  exports?: ReadonlyMap<string, () => unknown>;
}

export interface TemplateResource {
  logicalId: string;
  type: string;
  /** As written: intrinsic functions not yet evaluated. */
  properties: Record<string, unknown>;
  metadata: Record<string, unknown>;
  /** The name of the condition that includes the resource, if any. */
  condition: string | undefined;
  /** Where it is written; a resource expanded from another (SAM) points at that one. */
  path: TemplatePath;
}

const PSEUDO_PARAMETERS = new Set([
  'AWS::Region',
  'AWS::AccountId',
  'AWS::StackName',
  'AWS::StackId',
  'AWS::Partition',
  'AWS::URLSuffix',
  'AWS::NoValue',
  'AWS::NotificationARNs',
]);

export class CloudFormationTemplate implements ResolverScope {
  readonly file: string;
  readonly resources = new Map<string, TemplateResource>();
  /** The template's `Transform` names (e.g. `AWS::Serverless-2016-10-31`). */
  readonly transforms: string[];
  readonly #data: Record<string, unknown>;
  readonly #locate: Locate;
  readonly #sectionPath: (section: string) => TemplatePath;
  readonly #options: TemplateOptions;
  readonly #resolver = new IntrinsicResolver(this);
  readonly #conditions = new Map<string, boolean>();
  /** `logicalId.property` being resolved: a second visit is a circular reference. */
  readonly #resolving = new Set<string>();

  constructor(source: TemplateSource, options: TemplateOptions) {
    this.file = source.file;
    this.#locate = source.locate;
    this.#sectionPath = source.sectionPath ?? ((section) => [section]);
    this.#options = options;
    if (!isObject(source.data)) this.fail('a template is a mapping with a Resources section', []);
    this.#data = source.data;
    const transform = this.#data.Transform;
    this.transforms = (Array.isArray(transform) ? transform : transform === undefined ? [] : [transform]).map(
      (name, index) =>
        typeof name === 'string' ? name : this.fail('a transform is named by a string', ['Transform', index]),
    );
    const resources = this.#data.Resources;
    if (!isObject(resources) || Object.keys(resources).length === 0) {
      this.fail('a template needs a Resources section with at least one resource', this.#sectionPath('Resources'));
    }
    for (const [logicalId, resource] of Object.entries(resources)) this.#readResource(logicalId, resource);
  }

  /** The template's raw section (`Globals`, `Outputs`, ...), if present. */
  section(name: string): unknown {
    return this.#data[name];
  }

  get run(): RunNames {
    return this.#options;
  }

  declaresParameter(name: string): boolean {
    return isObject(this.#data.Parameters) && Object.hasOwn(this.#data.Parameters, name);
  }

  /** Adds a resource that a transform expands (SAM's `AWS::Serverless::WebSocketApi`). */
  addResource(resource: TemplateResource): void {
    if (this.resources.has(resource.logicalId)) {
      this.fail(`expands to a resource named ${resource.logicalId}, which the template already has`, resource.path);
    }
    this.resources.set(resource.logicalId, resource);
  }

  /** Whether the resource's condition (if any) holds, so CloudFormation would create it. */
  includes(resource: TemplateResource): boolean {
    return resource.condition === undefined || this.condition(resource.condition, [...resource.path, 'Condition']);
  }

  resourcesOfType(...types: string[]): TemplateResource[] {
    return [...this.resources.values()].filter((resource) => types.includes(resource.type) && this.includes(resource));
  }

  /** A property with intrinsic functions evaluated; undefined when absent or `AWS::NoValue`. */
  property(resource: TemplateResource, name: string): unknown {
    if (!Object.hasOwn(resource.properties, name)) return undefined;
    const key = `${resource.logicalId}.${name}`;
    if (this.#resolving.has(key))
      this.fail('this value refers back to itself (a circular reference)', this.propertyPath(resource, name));
    this.#resolving.add(key);
    try {
      const value = this.resolve(resource.properties[name], this.propertyPath(resource, name));
      return value === NO_VALUE ? undefined : value;
    } finally {
      this.#resolving.delete(key);
    }
  }

  propertyPath(resource: TemplateResource, ...names: (string | number)[]): TemplatePath {
    return [...resource.path, 'Properties', ...names];
  }

  resolve(value: unknown, path: TemplatePath): unknown {
    return this.#resolver.resolve(value, path);
  }

  // ResolverScope

  ref(name: string, path: TemplatePath): unknown {
    if (PSEUDO_PARAMETERS.has(name)) return this.#pseudoParameter(name);
    if (this.declaresParameter(name)) return this.#parameter(name);
    const resource = this.resources.get(name);
    if (!resource)
      return this.fail(`Ref to "${name}", which is neither a parameter nor a resource of the template`, path);
    this.#mustExist(resource, path);
    return refValue(this.#view(resource), this.#options);
  }

  getAtt(logicalId: string, attribute: string, path: TemplatePath): unknown {
    const resource = this.resources.get(logicalId);
    if (!resource) return this.fail(`Fn::GetAtt of "${logicalId}", which is not a resource of the template`, path);
    this.#mustExist(resource, path);
    const value = attributeValue(this.#view(resource), attribute, this.#options);
    if (value === undefined) {
      return this.fail(
        `Fn::GetAtt ${logicalId}.${attribute}: the ${attribute} of a ${resource.type} is not known locally`,
        path,
      );
    }
    return value;
  }

  condition(name: string, path: TemplatePath): boolean {
    const known = this.#conditions.get(name);
    if (known !== undefined) return known;
    const conditions = this.#data.Conditions;
    if (!isObject(conditions) || !Object.hasOwn(conditions, name)) {
      return this.fail(`condition "${name}" is not defined in the Conditions section`, path);
    }
    const definedAt = [...this.#sectionPath('Conditions'), name];
    const value = this.resolve(conditions[name], definedAt);
    if (typeof value !== 'boolean') {
      return this.fail(
        `a condition is Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition; found ${describe(value)}`,
        definedAt,
      );
    }
    this.#conditions.set(name, value);
    return value;
  }

  findInMap(map: string, topKey: string, secondKey: string, path: TemplatePath): unknown {
    const mappings = this.#data.Mappings;
    const top = isObject(mappings) && isObject(mappings[map]) ? mappings[map][topKey] : undefined;
    if (!isObject(top) || !Object.hasOwn(top, secondKey)) {
      return this.fail(`Fn::FindInMap: Mappings.${map}.${topKey}.${secondKey} does not exist`, path);
    }
    return this.resolve(top[secondKey], [...this.#sectionPath('Mappings'), map, topKey, secondKey]);
  }

  importValue(name: string, path: TemplatePath): unknown {
    const read = this.#options.exports?.get(name);
    if (read) return read();
    return this.fail(`Fn::ImportValue "${name}": no stack served here exports it`, path);
  }

  region(): string {
    return this.#options.region;
  }

  fail(problem: string, path: TemplatePath): never {
    throw new ConfigError(problem, { file: this.file, line: this.lineOf(path), path: renderPath(path) });
  }

  lineOf(path: TemplatePath): number | undefined {
    return nearestLine(this.#locate, path);
  }

  #readResource(logicalId: string, resource: unknown): void {
    const path = [...this.#sectionPath('Resources'), logicalId];
    if (logicalId.startsWith('Fn::ForEach::'))
      this.fail('Fn::ForEach (AWS::LanguageExtensions) is not supported', path);
    if (!isObject(resource) || typeof resource.Type !== 'string') this.fail('a resource needs a Type', path);
    const properties = resource.Properties ?? {};
    if (!isObject(properties)) this.fail('Properties must be a mapping', [...path, 'Properties']);
    const condition = resource.Condition;
    if (condition !== undefined && typeof condition !== 'string')
      this.fail('Condition names a condition', [...path, 'Condition']);
    this.resources.set(logicalId, {
      logicalId,
      type: resource.Type,
      properties,
      metadata: isObject(resource.Metadata) ? resource.Metadata : {},
      condition,
      path,
    });
  }

  #mustExist(resource: TemplateResource, path: TemplatePath): void {
    if (!this.includes(resource)) {
      this.fail(`refers to ${resource.logicalId}, which its condition ${resource.condition} leaves out`, path);
    }
  }

  #view(resource: TemplateResource) {
    return {
      logicalId: resource.logicalId,
      type: resource.type,
      property: (name: string) => this.property(resource, name),
    };
  }

  #pseudoParameter(name: string): unknown {
    const { region, accountId, stackName } = this.#options;
    switch (name) {
      case 'AWS::Region':
        return region;
      case 'AWS::AccountId':
        return accountId;
      case 'AWS::StackName':
        return stackName;
      case 'AWS::StackId':
        return `arn:aws:cloudformation:${region}:${accountId}:stack/${stackName}/00000000-0000-0000-0000-000000000000`;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::NotificationARNs':
        return [];
      default:
        return NO_VALUE;
    }
  }

  #parameter(name: string): unknown {
    const path = [...this.#sectionPath('Parameters'), name];
    const declaration = (this.#data.Parameters as Record<string, unknown>)[name];
    if (!isObject(declaration) || typeof declaration.Type !== 'string') this.fail('a parameter needs a Type', path);
    const type = declaration.Type;
    const override = this.#options.parameterOverrides[name];
    if (override === undefined && type.startsWith('AWS::SSM::Parameter::Value<')) {
      this.fail(
        `parameter ${name} reads the SSM parameter ${JSON.stringify(declaration.Default)}, which cannot be read locally: pass --parameter-overrides ${name}=<value>`,
        path,
      );
    }
    const raw = override ?? declaration.Default;
    if (raw === undefined) {
      this.fail(`parameter ${name} has no Default: pass --parameter-overrides ${name}=<value>`, path);
    }
    const value = String(raw);
    const allowed = declaration.AllowedValues;
    if (Array.isArray(allowed) && !allowed.map(String).includes(value)) {
      this.fail(`parameter ${name} is "${value}", not one of its AllowedValues (${allowed.join(', ')})`, path);
    }
    if (
      typeof declaration.AllowedPattern === 'string' &&
      !new RegExp(`^(?:${declaration.AllowedPattern})$`).test(value)
    ) {
      this.fail(`parameter ${name} is "${value}", which does not match its AllowedPattern`, path);
    }
    if (type === 'CommaDelimitedList' || type.startsWith('List<')) return value.split(',').map((item) => item.trim());
    return value;
  }
}

/** The line of `path`, or of the nearest enclosing key that is written in the file. */
export function nearestLine(locate: Locate, path: TemplatePath): number | undefined {
  for (let length = path.length; length > 0; length--) {
    const line = locate(path.slice(0, length) as (string | number)[]);
    if (line !== undefined) return line;
  }
  return undefined;
}

/** `['Resources', 'Fn', 'Properties', 'Layers', 0]` -> `Resources.Fn.Properties.Layers[0]`. */
export function renderPath(path: TemplatePath): string {
  return path.reduce<string>(
    (text, segment) => (typeof segment === 'number' ? `${text}[${segment}]` : text ? `${text}.${segment}` : segment),
    '',
  );
}
