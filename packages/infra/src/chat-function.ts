/**
 * One of the chat's Lambda functions: an entry module of the chat
 * (`packages/chat/src/lambda/`) bundled by the local esbuild (never Docker) into
 * one ES module for the Node.js 22 runtime, with its own log group.
 *
 * The AWS SDK v3 is left out of the bundle: the Node.js 22 runtime provides it,
 * which keeps bundles small and synth fast.
 */

import { join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { LAMBDA_HANDLER_EXPORT, repositoryRoot } from './chat-sources.ts';

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
}

/**
 * ES module output needs `require` for the CommonJS packages esbuild inlines
 * (they call it for Node built-ins).
 */
const REQUIRE_SHIM =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

export class ChatFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: ChatFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? RetentionDays.ONE_WEEK,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    super(scope, id, {
      entry: props.entry,
      handler: LAMBDA_HANDLER_EXPORT,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      environment: props.environment,
      logGroup,
      projectRoot: repositoryRoot,
      depsLockFilePath: join(repositoryRoot, 'package-lock.json'),
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: 'node20',
        mainFields: ['module', 'main'],
        externalModules: ['@aws-sdk/*'],
        banner: REQUIRE_SHIM,
      },
    });
  }
}
