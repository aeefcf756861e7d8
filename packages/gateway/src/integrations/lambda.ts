/**
 * Lambda-style function integration: loads a handler once per function (like a
 * warm container) and invokes it with an AWS-shaped event and a Lambda context.
 */
import { randomUUID } from 'node:crypto';
import { resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HandlerLoadError } from '../errors.ts';
import type { ConcurrencySettings } from '../settings.ts';
import type { Integration, IntegrationResult, InvocationRequest } from './integration.ts';
import { IntegrationTimeoutError } from './integration.ts';
import type { LambdaFunction } from './lambda-function.ts';
import type { LambdaContext, LambdaHandler } from './lambda-types.ts';
import { LambdaWorkerPool } from './lambda-worker-pool.ts';

export interface LambdaFunctionOptions {
  /** A handler function (runs in the gateway's thread), or `module#export` relative to `baseDir` (runs in a worker). */
  handler: string | LambdaHandler;
  functionName: string;
  /** Directory that relative module paths are resolved against. */
  baseDir: string;
  region: string;
  accountId: string;
  /** The function's environment variables (module handlers only: each has its own workers and `process.env`). */
  environment?: Record<string, string>;
  /** How many workers a module handler runs, and how many invocations may wait for one. */
  concurrency: ConcurrencySettings;
}

/**
 * Loads a function once, like a warm Lambda container. A module handler runs in
 * a pool of worker threads of its own (lambda-worker-pool.ts), each with its own
 * `process.env` and module instance, so a handler that blocks or crashes cannot
 * take the gateway down; a handler given as a function runs inline in the
 * gateway's thread (fastest, for trusted code).
 */
export async function loadLambdaFunction(options: LambdaFunctionOptions): Promise<LambdaFunction> {
  const functionArn = `arn:aws:lambda:${options.region}:${options.accountId}:function:${options.functionName}`;
  const logStreamName = `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${randomUUID().replaceAll('-', '')}`;
  if (typeof options.handler === 'string') {
    return LambdaWorkerPool.start({
      reference: options.handler,
      baseDir: options.baseDir,
      functionName: options.functionName,
      functionArn,
      logStreamName,
      environment: options.environment ?? {},
      concurrency: options.concurrency,
    });
  }
  const handler = options.handler;
  return {
    functionName: options.functionName,
    // Nothing can stop an inline handler: the caller gets the timeout, and the late
    // result with it (a `$connect` that succeeds late still owes a `$disconnect`).
    invoke: (event, deadline) => {
      const work = invokeHandler(
        handler,
        event,
        createLambdaContext(options.functionName, functionArn, logStreamName, deadline),
      );
      return withDeadline(work, deadline, () => work.then(toIntegrationResult));
    },
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
    getRemainingTimeInMillis() {
      return Math.max(0, deadline - Date.now());
    },
  };
}

/** Calls async, sync and callback-style (three-parameter) handlers alike. */
export function invokeHandler(handler: LambdaHandler, event: unknown, context: LambdaContext): Promise<unknown> {
  return new Promise((resolve, reject) => {
    try {
      const returned = handler(event, context, (error?: unknown, result?: unknown): void =>
        error ? reject(error) : resolve(result),
      );
      if (handler.length < 3 || returned !== undefined) Promise.resolve(returned).then(resolve, reject);
    } catch (error) {
      reject(error);
    }
  });
}

/** `module#export` (a dotted export is a property path: `module#handlers.main`); without `#`, the export is `handler`. */
export function splitHandlerReference(reference: string): { modulePath: string; exportName: string } {
  const hash = reference.lastIndexOf('#');
  return hash === -1
    ? { modulePath: reference, exportName: 'handler' }
    : { modulePath: reference.slice(0, hash), exportName: reference.slice(hash + 1) };
}

export async function importHandler(reference: string, baseDir: string, functionName: string): Promise<LambdaHandler> {
  const { modulePath, exportName } = splitHandlerReference(reference);
  const file = resolvePath(baseDir, modulePath);
  // One module instance per function, as each Lambda function has its own container.
  const url = `${pathToFileURL(file).href}?function=${encodeURIComponent(functionName)}`;
  let module: Record<string, unknown>;
  try {
    module = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    // One line: Node adds a `Require stack:` list of files to a missing CommonJS module's message.
    const reason =
      error instanceof Error ? `${error.message.split('\n', 1)[0]}${sourceLocationOf(error)}` : String(error);
    throw new HandlerLoadError(`Cannot load handler module ${file} (from "${reference}"): ${reason}`, {
      cause: error,
    });
  }
  // Lambda's runtime walks a dotted export as a property path (`app.handlers.main`).
  const [first = '', ...rest] = exportName.split('.');
  const top = module[first] ?? (module.default as Record<string, unknown> | undefined)?.[first];
  const candidate = rest.reduce<unknown>(
    (value, key) => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined),
    top,
  );
  if (typeof candidate !== 'function') {
    const exported = Object.keys(module).join(', ') || 'nothing';
    throw new HandlerLoadError(
      `Handler module ${file} has no function export "${exportName}" (from "${reference}"; it exports ${exported})`,
    );
  }
  return candidate as LambdaHandler;
}

/**
 * Where a CommonJS syntax error is: Node puts `file:line` as the first line of its
 * stack rather than in its message (an ES module's gives none on Node 20).
 */
function sourceLocationOf(error: Error): string {
  const firstLine = error.stack?.split('\n', 1)[0] ?? '';
  return /^\S.*:\d+$/.test(firstLine) && !firstLine.startsWith(`${error.name}:`) ? ` (at ${firstLine})` : '';
}

/**
 * Wraps a function as a proxy integration (the function keeps its own deadline).
 * A `$disconnect` is owed: every `$connect` that succeeded gets exactly one, so a
 * busy function must not refuse it.
 */
export function lambdaIntegration(fn: LambdaFunction): Integration {
  return {
    async invoke({ event, deadline }: InvocationRequest): Promise<IntegrationResult> {
      const owed = event.requestContext.eventType === 'DISCONNECT';
      return toIntegrationResult(await fn.invoke(event, deadline, { owed }));
    },
    close: () => fn.close(),
  };
}

/**
 * Settles as `work` does, or rejects with an `IntegrationTimeoutError` if the
 * deadline passes first; `late` then gives the work's own outcome as a result.
 */
export function withDeadline<T>(
  work: Promise<T>,
  deadline: number,
  late?: () => Promise<IntegrationResult>,
): Promise<T> {
  const timeoutMs = deadline - Date.now();
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => {
        const lateResult = late?.();
        // A late failure matters only to whoever waits for it; unobserved, it is no error.
        lateResult?.catch(() => {});
        reject(new IntegrationTimeoutError(timeoutMs, lateResult));
      },
      Math.max(0, timeoutMs),
    );
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
  // `NaN` and `Infinity` reach API Gateway as `null` through Lambda's JSON: no status.
  if (typeof result.statusCode === 'number' && Number.isFinite(result.statusCode)) out.statusCode = result.statusCode;
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
