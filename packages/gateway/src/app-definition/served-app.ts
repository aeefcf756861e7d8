/**
 * An app as `switchboard serve` runs it, whatever file described it: the gateway
 * definition, the folder its handler paths are relative to, and what the user
 * should know about the local run.
 */
import type { GatewayDefinition } from '../definition.ts';
import type { TableSpec } from './local-services/table-spec.ts';

export const AppKind = {
  config: 'Switchboard config',
  sam: 'SAM template',
  cloudFormation: 'CloudFormation template',
  cdk: 'CDK cloud assembly',
  serverless: 'serverless.yml',
} as const;

export type AppKind = (typeof AppKind)[keyof typeof AppKind];

export interface ServedApp {
  kind: AppKind;
  definition: GatewayDefinition;
  /** Handler paths are relative to it. */
  baseDir: string;
  /** The app's own folder (a CDK app's, not its cdk.out): local data is kept under it. */
  projectDir: string;
  /** DynamoDB tables to create locally. */
  tables: TableSpec[];
  /** Printed once at start-up: resources that are not emulated, settings without local effect. */
  notices: string[];
}

export interface AppOptions {
  /** Template parameter values (`--parameter-overrides Name=Value`). */
  parameterOverrides?: Readonly<Record<string, string>>;
  /** The stage to serve when a template has several; serverless.yml's `${opt:stage}`. */
  stage?: string;
  /** `AWS::Region` and the functions' `AWS_REGION`. @default AWS_REGION, AWS_DEFAULT_REGION, else us-east-1 */
  region?: string;
  /** The logical id of the WebSocket API to serve when a template has several. */
  api?: string;
  /** Run `cdk synth` before reading a CDK app's cloud assembly. @default false */
  synth?: boolean;
}

/** The account id in ARNs and `AWS::AccountId`: the gateway's own default. */
export const LOCAL_ACCOUNT_ID = '000000000000';

export function regionOf(options: AppOptions): string {
  return options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
}
