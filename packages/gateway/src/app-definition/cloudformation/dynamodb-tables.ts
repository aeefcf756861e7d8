/**
 * A template's DynamoDB tables (`AWS::DynamoDB::Table`, `AWS::DynamoDB::GlobalTable`
 * (the CDK's `TableV2`), SAM's `AWS::Serverless::SimpleTable`) as the requests that
 * create them: key schema, attribute definitions, global and local secondary
 * indexes, billing, stream and time to live. Settings without meaning for a local
 * table (replicas, encryption, tags, point-in-time recovery) are left out.
 */
import type { TableSpec } from '../local-services/table-spec.ts';
import { isObject, type TemplatePath } from './intrinsics.ts';
import type { CloudFormationTemplate, TemplateResource } from './template.ts';

export const TABLE_TYPES = [
  'AWS::DynamoDB::Table',
  'AWS::DynamoDB::GlobalTable',
  'AWS::Serverless::SimpleTable',
] as const;

/** What a provisioned index without its own throughput gets (CloudFormation requires one on AWS). */
const DEFAULT_THROUGHPUT = { ReadCapacityUnits: 5, WriteCapacityUnits: 5 };

export function readTables(template: CloudFormationTemplate): TableSpec[] {
  return template.resourcesOfType(...TABLE_TYPES).map((resource) => readTable(template, resource));
}

function readTable(template: CloudFormationTemplate, resource: TemplateResource): TableSpec {
  const name = String(template.ref(resource.logicalId, resource.path));
  const at = (...names: (string | number)[]): TemplatePath => template.propertyPath(resource, ...names);
  if (resource.type === 'AWS::Serverless::SimpleTable') return simpleTable(template, resource, name);
  const keySchema = keys(template, template.property(resource, 'KeySchema'), at('KeySchema'));
  const attributes = template.property(resource, 'AttributeDefinitions');
  if (!Array.isArray(attributes) || attributes.length === 0) {
    template.fail('a table needs AttributeDefinitions for its keys', at('AttributeDefinitions'));
  }
  const provisioned = template.property(resource, 'BillingMode') === 'PROVISIONED';
  const throughput = (value: unknown): Record<string, unknown> =>
    provisioned ? { ProvisionedThroughput: isObject(value) ? value : DEFAULT_THROUGHPUT } : {};
  const indexes = (property: string, global: boolean): Record<string, unknown>[] | undefined => {
    const list = template.property(resource, property);
    if (list === undefined) return undefined;
    if (!Array.isArray(list)) template.fail(`${property} is a list of indexes`, at(property));
    return list.map((index, position) => {
      if (!isObject(index) || typeof index.IndexName !== 'string')
        template.fail('an index needs an IndexName', at(property, position));
      return {
        IndexName: index.IndexName,
        KeySchema: keys(template, index.KeySchema, at(property, position, 'KeySchema')),
        Projection: isObject(index.Projection) ? index.Projection : { ProjectionType: 'ALL' },
        ...(global && throughput(index.ProvisionedThroughput)),
      };
    });
  };
  const globalIndexes = indexes('GlobalSecondaryIndexes', true);
  const localIndexes = indexes('LocalSecondaryIndexes', false);
  const stream = template.property(resource, 'StreamSpecification');
  const ttl = template.property(resource, 'TimeToLiveSpecification');
  return {
    logicalId: resource.logicalId,
    name,
    create: {
      KeySchema: keySchema,
      AttributeDefinitions: attributes,
      BillingMode: provisioned ? 'PROVISIONED' : 'PAY_PER_REQUEST',
      ...throughput(template.property(resource, 'ProvisionedThroughput')),
      ...(globalIndexes && globalIndexes.length > 0 && { GlobalSecondaryIndexes: globalIndexes }),
      ...(localIndexes && localIndexes.length > 0 && { LocalSecondaryIndexes: localIndexes }),
      ...(isObject(stream) &&
        typeof stream.StreamViewType === 'string' && {
          StreamSpecification: { StreamEnabled: true, StreamViewType: stream.StreamViewType },
        }),
    },
    ...(isObject(ttl) &&
      ttl.Enabled !== false &&
      typeof ttl.AttributeName === 'string' && { timeToLiveAttribute: ttl.AttributeName }),
  };
}

/** SAM's one-key table: `PrimaryKey: { Name, Type: String | Number | Binary }` (default `id`, String). */
function simpleTable(template: CloudFormationTemplate, resource: TemplateResource, name: string): TableSpec {
  const primaryKey = template.property(resource, 'PrimaryKey') ?? {};
  const key = isObject(primaryKey) ? primaryKey : {};
  const type = { String: 'S', Number: 'N', Binary: 'B' }[String(key.Type ?? 'String')];
  if (!type)
    template.fail('PrimaryKey.Type is String, Number or Binary', template.propertyPath(resource, 'PrimaryKey', 'Type'));
  const attribute = typeof key.Name === 'string' ? key.Name : 'id';
  const throughput = template.property(resource, 'ProvisionedThroughput');
  return {
    logicalId: resource.logicalId,
    name,
    create: {
      KeySchema: [{ AttributeName: attribute, KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: attribute, AttributeType: type }],
      ...(isObject(throughput)
        ? { BillingMode: 'PROVISIONED', ProvisionedThroughput: throughput }
        : { BillingMode: 'PAY_PER_REQUEST' }),
    },
  };
}

function keys(template: CloudFormationTemplate, value: unknown, path: TemplatePath): unknown[] {
  const valid =
    Array.isArray(value) &&
    value.length > 0 &&
    value.every(
      (key) =>
        isObject(key) && typeof key.AttributeName === 'string' && (key.KeyType === 'HASH' || key.KeyType === 'RANGE'),
    );
  if (!valid) template.fail('KeySchema is a list of { AttributeName, KeyType: HASH | RANGE }', path);
  return value as unknown[];
}
