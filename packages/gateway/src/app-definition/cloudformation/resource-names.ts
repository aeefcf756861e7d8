/**
 * What `Ref` and `Fn::GetAtt` give for a resource in this local run: the names,
 * ids and ARNs CloudFormation would assign. A name the template sets is used as
 * is; otherwise the name is `<stack>-<LogicalId>`, without CloudFormation's random
 * suffix, so that it stays the same from run to run (and data kept by DynamoDB
 * Local stays reachable).
 */
import { createHash } from 'node:crypto';

/** The run's account, region and stack, which names and ARNs are made of. */
export interface RunNames {
  region: string;
  accountId: string;
  stackName: string;
}

/** A resource whose properties are resolved on demand. */
export interface ResourceView {
  logicalId: string;
  type: string;
  /** The resolved value of a property, undefined when it is not set. */
  property(name: string): unknown;
}

interface TypeNaming {
  /** The property that names the resource. */
  nameProperty?: string;
  /** Generated names are lower case (S3 buckets). */
  lowerCase?: boolean;
  /** At most this many characters in a generated name. @default 255 */
  maxLength?: number;
  ref(name: string, arn: string, run: RunNames, resource: ResourceView): string;
  arn?(name: string, run: RunNames): string;
  attributes?: Record<string, (name: string, arn: string, run: RunNames, resource: ResourceView) => unknown>;
}

const byName = (name: string): string => name;
const byArn = (_name: string, arn: string): string => arn;

const API: TypeNaming = {
  ref: (_name, _arn, run, resource) => apiIdFor(run, resource.logicalId),
  attributes: {
    ApiId: (_name, _arn, run, resource) => apiIdFor(run, resource.logicalId),
    ApiEndpoint: (_name, _arn, run, resource) =>
      `${resource.property('ProtocolType') === 'HTTP' ? 'https' : 'wss'}://${apiIdFor(run, resource.logicalId)}.execute-api.${run.region}.amazonaws.com`,
  },
};

const FUNCTION: TypeNaming = {
  nameProperty: 'FunctionName',
  maxLength: 64,
  ref: byName,
  arn: (name, run) => `arn:aws:lambda:${run.region}:${run.accountId}:function:${name}`,
};

const TABLE: TypeNaming = {
  nameProperty: 'TableName',
  ref: byName,
  arn: (name, run) => `arn:aws:dynamodb:${run.region}:${run.accountId}:table/${name}`,
  attributes: { StreamArn: (_name, arn) => `${arn}/stream/1970-01-01T00:00:00.000` },
};

const NAMING: Record<string, TypeNaming> = {
  'AWS::ApiGatewayV2::Api': API,
  'AWS::Serverless::WebSocketApi': API,
  'AWS::ApiGatewayV2::Stage': { nameProperty: 'StageName', ref: byName },
  'AWS::Lambda::Function': FUNCTION,
  'AWS::Serverless::Function': FUNCTION,
  'AWS::DynamoDB::Table': TABLE,
  'AWS::DynamoDB::GlobalTable': TABLE,
  'AWS::Serverless::SimpleTable': TABLE,
  'AWS::IAM::Role': {
    nameProperty: 'RoleName',
    maxLength: 64,
    ref: byName,
    arn: (name, run) => `arn:aws:iam::${run.accountId}:role/${name}`,
  },
  'AWS::SQS::Queue': {
    nameProperty: 'QueueName',
    maxLength: 80,
    ref: (name, _arn, run) => queueUrl(name, run),
    arn: (name, run) => `arn:aws:sqs:${run.region}:${run.accountId}:${name}`,
    attributes: { QueueName: byName, QueueUrl: (name, _arn, run) => queueUrl(name, run) },
  },
  'AWS::SNS::Topic': {
    nameProperty: 'TopicName',
    ref: byArn,
    arn: (name, run) => `arn:aws:sns:${run.region}:${run.accountId}:${name}`,
    attributes: { TopicArn: byArn, TopicName: byName },
  },
  'AWS::S3::Bucket': {
    nameProperty: 'BucketName',
    lowerCase: true,
    maxLength: 63,
    ref: byName,
    arn: (name) => `arn:aws:s3:::${name}`,
    attributes: {
      DomainName: (name) => `${name}.s3.amazonaws.com`,
      RegionalDomainName: (name, _arn, run) => `${name}.s3.${run.region}.amazonaws.com`,
    },
  },
  'AWS::Logs::LogGroup': {
    nameProperty: 'LogGroupName',
    ref: byName,
    arn: (name, run) => `arn:aws:logs:${run.region}:${run.accountId}:log-group:${name}:*`,
  },
  'AWS::SecretsManager::Secret': {
    nameProperty: 'Name',
    ref: byArn,
    arn: (name, run) => `arn:aws:secretsmanager:${run.region}:${run.accountId}:secret:${name}`,
  },
  'AWS::SSM::Parameter': {
    nameProperty: 'Name',
    ref: byName,
    attributes: { Value: (_name, _arn, _run, resource) => resource.property('Value') },
  },
  'AWS::StepFunctions::StateMachine': {
    nameProperty: 'StateMachineName',
    ref: byArn,
    arn: (name, run) => `arn:aws:states:${run.region}:${run.accountId}:stateMachine:${name}`,
    attributes: { Name: byName },
  },
};

/** The value of `Ref: LogicalId`. */
export function refValue(resource: ResourceView, run: RunNames): string {
  const naming = namingOf(resource.type);
  const name = physicalName(resource, naming, run);
  return naming.ref(name, arnOf(resource, naming, name, run), run, resource);
}

/** The value of `Fn::GetAtt: [LogicalId, attribute]`, or undefined when it cannot be known locally. */
export function attributeValue(resource: ResourceView, attribute: string, run: RunNames): unknown {
  const naming = namingOf(resource.type);
  const name = physicalName(resource, naming, run);
  const arn = arnOf(resource, naming, name, run);
  const read = naming.attributes?.[attribute];
  if (read) return read(name, arn, run, resource);
  if (attribute === 'Arn') return arn;
  if (attribute === 'Name') return name;
  // API Gateway's sub-resources (routes, integrations, authorizers, models) are known by their logical id.
  if (resource.type.startsWith('AWS::ApiGatewayV2::') && attribute.endsWith('Id')) return resource.logicalId;
  return undefined;
}

/**
 * A WebSocket API's id: ten lower-case letters and digits like API Gateway's,
 * derived from the stack and the logical id so that it is the same in every run.
 */
export function apiIdFor(run: RunNames, logicalId: string): string {
  const digest = createHash('sha256').update(`${run.stackName}/${logicalId}`).digest();
  let id = '';
  for (const byte of digest.subarray(0, 10)) id += '0123456789abcdefghijklmnopqrstuvwxyz'[byte % 36];
  return id;
}

function namingOf(type: string): TypeNaming {
  return NAMING[type] ?? { ref: byName };
}

function physicalName(resource: ResourceView, naming: TypeNaming, run: RunNames): string {
  const given = naming.nameProperty ? resource.property(naming.nameProperty) : undefined;
  if (typeof given === 'string' && given !== '') return given;
  // API Gateway's sub-resources have ids, not names: their logical id stands for it.
  if (resource.type.startsWith('AWS::ApiGatewayV2::') && resource.type !== 'AWS::ApiGatewayV2::Api')
    return resource.logicalId;
  const generated = `${run.stackName}-${resource.logicalId}`.slice(0, naming.maxLength ?? 255);
  return naming.lowerCase ? generated.toLowerCase() : generated;
}

function arnOf(resource: ResourceView, naming: TypeNaming, name: string, run: RunNames): string {
  if (naming.arn) return naming.arn(name, run);
  // AWS::Service::Thing -> arn:aws:service:region:account:name, the usual shape.
  const service = resource.type.split('::')[1]?.toLowerCase() ?? 'unknown';
  return `arn:aws:${service}:${run.region}:${run.accountId}:${name}`;
}

function queueUrl(name: string, run: RunNames): string {
  return `https://sqs.${run.region}.amazonaws.com/${run.accountId}/${name}`;
}
