/**
 * Lambda-style function integration: loads a handler once per function (like a
 * warm container) and invokes it with an AWS-shaped event and a Lambda context.
 */
import { randomUUID } from 'node:crypto';
import { resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HandlerLoadError } from '../errors.ts';
import type { Integration, IntegrationResult, InvocationRequest } from './integration.ts';
import { IntegrationTimeoutError } from './integration.ts';
import type { LambdaContext, LambdaHandler } from './lambda-types.ts';
import { WorkerLambdaFunction } from './lambda-worker.ts';

export interface LambdaFunctionOptions {
  /** A handler function (runs in the gateway's thread), or `module#export` relative to `baseDir` (runs in a worker). */
  handler: string | LambdaHandler;
  functionName: string;
  /** Directory that relative module paths are resolved against. */
  baseDir: string;
  region: string;
  accountId: string;
  /** The function's environment variables (module handlers only: each has its own worker and `process.env`). */
  environment?: Record<string, string>;
}

/** A loaded function; `invoke` resolves with the handler's raw result. */
export interface LambdaFunction {
  readonly functionName: string;
  invoke(event: unknown, deadline: number): Promise<unknown>;
  /** Adds environment variables known only once the gateway listens. */
  setEnvironment(values: Record<string, string>): void;
  close(): Promise<void>;
}

/**
 * Loads a function once, like a warm Lambda container. A module handler runs in
 * a worker thread of its own, with its own `process.env` and module instance, so
 * a handler that blocks or crashes cannot take the gateway down; a handler given
 * as a function runs inline in the gateway's thread (fastest, for trusted code).
 */
export async function loadLambdaFunction(options: LambdaFunctionOptions): Promise<LambdaFunction> {
  const functionArn = `arn:aws:lambda:${options.region}:${options.accountId}:function:${options.functionName}`;
  const logStreamName = `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${randomUUID().replaceAll('-', '')}`;
  if (typeof options.handler === 'string') {
    return WorkerLambdaFunction.start({
      reference: options.handler,
      baseDir: options.baseDir,
      functionName: options.functionName,
      functionArn,
      logStreamName,
      environment: options.environment ?? {},
    });
  }
  const handler = options.handler;
  return {
    functionName: options.functionName,
    invoke: (event, deadline) =>
      invokeHandler(handler, event, createLambdaContext(options.functionName, functionArn, logStreamName, deadline)),
    setEnvironment() {},
    async close() {},
  };
}

export function createLambdaContext(
  functionName: string,
  functionArn: string,
  logStreamName: string,
  deadline: number,
): LambdaContext {
  return {
    awsRequestId: randomUUID(),
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: functionArn,
    memoryLimitInMB: '128',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

/** Calls async, sync and callback-style (three-parameter) handlers alike. */
export function invokeHandler(handler: LambdaHandler, event: unknown, context: LambdaContext): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const callback = (error?: unknown, result?: unknown): void => (error ? reject(error) : resolve(result));
    try {
      const returned = handler(event, context, callback);
      if (handler.length < 3 || returned !== undefined) Promise.resolve(returned).then(resolve, reject);
    } catch (error) {
      reject(error);
    }
  });
}

export async function importHandler(reference: string, baseDir: string, functionName: string): Promise<LambdaHandler> {
  const hash = reference.lastIndexOf('#');
  const modulePath = hash === -1 ? reference : reference.slice(0, hash);
  const exportName = hash === -1 ? 'handler' : reference.slice(hash + 1);
  const file = resolvePath(baseDir, modulePath);
  // One module instance per function, as each Lambda function has its own container.
  const url = `${pathToFileURL(file).href}?function=${encodeURIComponent(functionName)}`;
  let module: Record<string, unknown>;
  try {
    module = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new HandlerLoadError(`Cannot load handler module ${file} (from "${reference}"): ${reason}`, {
      cause: error,
    });
  }
  const candidate = module[exportName] ?? (module.default as Record<string, unknown> | undefined)?.[exportName];
  if (typeof candidate !== 'function') {
    const exported = Object.keys(module).join(', ') || 'nothing';
    throw new HandlerLoadError(
      `Handler module ${file} has no function export "${exportName}" (from "${reference}"; it exports ${exported})`,
    );
  }
  return candidate as LambdaHandler;
}

/** Wraps a function as a proxy integration with a timeout. */
export function lambdaIntegration(fn: LambdaFunction): Integration {
  return {
    async invoke({ event, deadline }: InvocationRequest): Promise<IntegrationResult> {
      return toIntegrationResult(await withDeadline(fn.invoke(event, deadline), deadline));
    },
    close: () => fn.close(),
  };
}

export function withDeadline<T>(work: Promise<T>, deadline: number): Promise<T> {
  const timeoutMs = deadline - Date.now();
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new IntegrationTimeoutError(timeoutMs)), Math.max(0, timeoutMs));
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * Maps a Lambda proxy result. A string result is the body; an object's `body`
 * is sent as is (a non-string body is JSON-encoded); no result means 200 with
 * nothing to send (our documented choice, spec 1.6 leaves it unverified).
 */
export function toIntegrationResult(raw: unknown): IntegrationResult {
  if (raw === undefined || raw === null) return {};
  if (typeof raw === 'string') return { body: raw };
  if (typeof raw !== 'object') return { body: JSON.stringify(raw) };
  const result = raw as Record<string, unknown>;
  const out: IntegrationResult = {};
  if (typeof result.statusCode === 'number') out.statusCode = result.statusCode;
  if (result.headers && typeof result.headers === 'object') {
    out.headers = Object.fromEntries(
      Object.entries(result.headers as Record<string, unknown>).map(([name, value]) => [name, String(value)]),
    );
  }
  if (result.body !== undefined && result.body !== null) {
    out.body = typeof result.body === 'string' ? result.body : JSON.stringify(result.body);
  }
  return out;
}
