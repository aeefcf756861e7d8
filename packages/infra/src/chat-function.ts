/**
 * One of the chat's Lambda functions: an entry module of the chat
 * (`packages/chat/src/lambda/`) bundled by the local esbuild (never Docker) into
 * one ES module for the newest Node.js runtime, with X-Ray active tracing and its
 * own log group.
 *
 * Each function has its own role that may write to its own log group (instead of
 * the managed AWSLambdaBasicExecutionRole, which may create and write any log
 * group) and send its traces; the stack grants the rest per function, into the
 * role itself (inline-policy-role.ts).
 *
 * The AWS SDK v3 is left out of the bundle: the Node.js runtime provides it,
 * which keeps bundles small and synth fast.
 */

import { join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { LAMBDA_HANDLER_EXPORT, repositoryRoot } from './chat-sources.ts';
import { acknowledge } from './compliance.ts';
import { InlinePolicyRole } from './inline-policy-role.ts';

export interface ChatFunctionProps {
  /** Absolute path of the entry module. */
  entry: string;
  environment: Record<string, string>;
  /** @default 256 */
  memorySize?: number;
  /** @default 10 seconds (API Gateway gives up after 29 s) */
  timeout?: Duration;
  /** @default RetentionDays.ONE_WEEK */
  logRetention?: RetentionDays;
  /**
   * Who invokes the function, synchronously (so it needs no dead-letter queue:
   * the caller sees a failure). @default 'API Gateway'
   */
  invokedBy?: string;
  /**
   * Why the function needs no dead-letter queue of its own, when the reason is
   * not a synchronous caller (a stream's event source mapping keeps its failed
   * batches in its own on-failure destination).
   * @default that `invokedBy` invokes it synchronously
   */
  noDeadLetterQueueReason?: string;
}

/** The Lambda runtime of every chat function. */
export const CHAT_RUNTIME = Runtime.NODEJS_24_X;

/**
 * How every chat function is bundled, in esbuild's terms: one ES module for the
 * runtime's Node.js, the runtime's AWS SDK left out. The bundle tests build the
 * entry modules with exactly these settings.
 */
export const chatBundling = {
  format: 'esm',
  platform: 'node',
  target: 'node24',
  mainFields: ['module', 'main'],
  external: ['@aws-sdk/*'],
  /**
   * Minified: a smaller module parses faster at a cold start (X-Ray's SDK, under
   * Powertools' tracer, is half of an unminified bundle). Names are kept, so
   * stack traces in the logs still name the functions.
   */
  minify: true,
  keepNames: true,
  /**
   * ES module output needs `require` for the CommonJS packages esbuild inlines
   * (they call it for Node built-ins).
   */
  banner:
    "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
} as const;

export class ChatFunction extends NodejsFunction {
  /** The function's timeout: the duration alarm fires near it. */
  readonly timeoutDuration: Duration;

  constructor(scope: Construct, id: string, props: ChatFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? RetentionDays.ONE_WEEK,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new InlinePolicyRole(scope, `${id}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    const timeout = props.timeout ?? Duration.seconds(10);
    super(scope, id, {
      entry: props.entry,
      handler: LAMBDA_HANDLER_EXPORT,
      runtime: CHAT_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout,
      environment: props.environment,
      logGroup,
      role,
      tracing: Tracing.ACTIVE,
      projectRoot: repositoryRoot,
      depsLockFilePath: join(repositoryRoot, 'package-lock.json'),
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: chatBundling.target,
        mainFields: [...chatBundling.mainFields],
        externalModules: [...chatBundling.external],
        minify: chatBundling.minify,
        keepNames: chatBundling.keepNames,
        banner: chatBundling.banner,
      },
    });
    this.timeoutDuration = timeout;
    acknowledge(
      role,
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions (added by active tracing).',
    );
    acknowledge(
      role,
      'Serverless-LambdaStarPermissions',
      'The rule reads a role’s inline statements as one finding; each wildcard of this role (X-Ray’s `*`, the file prefixes) is acknowledged on its own, with its reason, under AwsSolutions-IAM5.',
    );
    acknowledge(
      this,
      'Serverless-LambdaDLQ',
      props.noDeadLetterQueueReason ??
        `${props.invokedBy ?? 'API Gateway'} invokes the function synchronously: a failure is answered to the caller, and no asynchronous event is left to keep.`,
    );
  }
}
