/**
 * The `serve` options that concern reading an app's own definition (templates,
 * CDK apps, serverless.yml), kept here so the CLI only spreads them in.
 */
import type { ServeAppOptions } from './serve-app.ts';

export const APP_CLI_OPTIONS = {
  'parameter-overrides': { type: 'string', multiple: true },
  stage: { type: 'string' },
  region: { type: 'string' },
  api: { type: 'string' },
  synth: { type: 'boolean' },
  'dynamodb-endpoint': { type: 'string' },
  'aws-endpoint': { type: 'string', multiple: true },
  'in-memory': { type: 'boolean' },
} as const;

export const APP_CLI_HELP = `Options for serving a template, a CDK app or a serverless.yml:
  --parameter-overrides <Name=Value ...>
                   Template parameter values (repeatable; SAM's
                   ParameterKey=Name,ParameterValue=Value works too).
  --stage <name>   The stage to serve when the API has several; serverless.yml's
                   \${opt:stage}.
  --region <r>     AWS::Region and the functions' AWS_REGION. Default AWS_REGION,
                   else us-east-1.
  --api <id>       The logical id of the WebSocket API when a template has several.
  --synth          Run "cdk synth" first (the file is the CDK app's folder,
                   cdk.json or cdk.out).
  --dynamodb-endpoint <url>
                   Use this DynamoDB (one that runs already) for the app's tables
                   instead of starting DynamoDB Local.
  --aws-endpoint <service=url>
                   Where AWS integrations call a service (repeatable), e.g.
                   sqs=http://127.0.0.1:4566 for LocalStack; DynamoDB defaults to
                   the DynamoDB Local of the run.
  --in-memory      Keep DynamoDB Local's data in memory, not in the app's
                   .switchboard/dynamodb folder.
`;

interface AppOptionValues {
  'parameter-overrides'?: string[];
  stage?: string;
  region?: string;
  api?: string;
  synth?: boolean;
  'dynamodb-endpoint'?: string;
  'aws-endpoint'?: string[];
  'in-memory'?: boolean;
}

/** The app options from parsed CLI values; throws an Error whose message is the usage problem. */
export function readAppOptions(values: AppOptionValues): ServeAppOptions {
  const options: ServeAppOptions = {};
  if (values['parameter-overrides']) {
    options.parameterOverrides = parseParameterOverrides(values['parameter-overrides']);
  }
  if (values.stage !== undefined) {
    if (!/^[A-Za-z0-9_-]+$/.test(values.stage))
      throw new Error(`invalid stage "${values.stage}": use letters, digits, - and _`);
    options.stage = values.stage;
  }
  if (values.region !== undefined) {
    if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(values.region))
      throw new Error(`invalid region "${values.region}", e.g. eu-west-1`);
    options.region = values.region;
  }
  if (values.api !== undefined) options.api = values.api;
  if (values.synth) options.synth = true;
  const endpoint = values['dynamodb-endpoint'];
  if (endpoint !== undefined) {
    if (!/^https?:\/\/[^/\s]+\/?$/.test(endpoint))
      throw new Error(`invalid --dynamodb-endpoint "${endpoint}", e.g. http://127.0.0.1:8000`);
    options.dynamodbEndpoint = endpoint.replace(/\/$/, '');
  }
  for (const pair of values['aws-endpoint'] ?? []) {
    const match = /^([a-z0-9-]+)=(https?:\/\/[^/\s]+\/?)$/.exec(pair);
    if (!match) throw new Error(`invalid --aws-endpoint "${pair}", e.g. sqs=http://127.0.0.1:4566`);
    options.awsEndpoints = { ...options.awsEndpoints, [match[1] as string]: (match[2] as string).replace(/\/$/, '') };
  }
  if (values['in-memory']) options.inMemory = true;
  return options;
}

/**
 * `Name=Value` pairs separated by spaces (a value may be "quoted"), or SAM's
 * `ParameterKey=Name,ParameterValue=Value`.
 */
export function parseParameterOverrides(texts: string[]): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const text of texts) {
    for (const token of text.match(/(?:[^\s"]+|"[^"]*")+/g) ?? []) {
      const sam = /^ParameterKey=([^,]+),ParameterValue=(.*)$/.exec(token);
      const pair = sam ?? /^([^=]+)=(.*)$/.exec(token);
      const name = pair?.[1];
      if (!pair || name === undefined || !/^[A-Za-z0-9]+$/.test(name)) {
        throw new Error(`invalid --parameter-overrides "${token}": use Name=Value`);
      }
      overrides[name] = (pair[2] ?? '').replace(/^"(.*)"$/, '$1');
    }
  }
  return overrides;
}
