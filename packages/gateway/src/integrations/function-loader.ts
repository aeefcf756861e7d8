/**
 * Loads the gateway's functions (route handlers and the authorizer) with the
 * environment Lambda gives a function: its own variables plus the `AWS_*`
 * variables the runtime sets, including credentials the management API accepts
 * and the `@connections` endpoint once the gateway listens.
 */

import type { HandlerReference } from '../definition.ts';
import { ConfigError } from '../errors.ts';
import type { Settings } from '../settings.ts';
import { loadLambdaFunction } from './lambda.ts';
import type { LambdaFunction } from './lambda-function.ts';

export interface FunctionSpec {
  handler: HandlerReference;
  functionName: string;
  environment: Record<string, string> | undefined;
  /** Where the function is defined, for errors (e.g. `routes.sendmessage`). */
  path: string;
}

/** How one function's hot reload went. */
export interface FunctionReload {
  functionName: string;
  /** Why the new code did not load (the function keeps its old code); undefined when it did. */
  error: Error | undefined;
}

export class FunctionLoader {
  readonly #settings: Settings;
  readonly #baseDir: string;
  /** Each function with the variable names its definition sets, which the gateway never overrides. */
  readonly #functions = new Map<LambdaFunction, Set<string>>();

  constructor(settings: Settings, baseDir: string) {
    this.#settings = settings;
    this.#baseDir = baseDir;
  }

  async load({ handler, functionName, environment, path }: FunctionSpec): Promise<LambdaFunction> {
    if (typeof handler === 'function' && environment) {
      throw new ConfigError(
        'environment applies to module handlers ("file#export"), which run with their own process.env; a function handler shares the gateway process',
        { path: `${path}.environment` },
      );
    }
    const configured = { ...this.#settings.environment, ...environment };
    const fn = await loadLambdaFunction({
      handler,
      functionName,
      baseDir: this.#baseDir,
      region: this.#settings.region,
      accountId: this.#settings.accountId,
      environment: { ...this.#runtimeEnvironment(functionName), ...configured },
      concurrency: this.#settings.concurrency,
    });
    this.#functions.set(fn, new Set(Object.keys(configured)));
    return fn;
  }

  /** Adds variables to every function, e.g. the `@connections` endpoint once the port is known. */
  setEnvironment(values: Record<string, string>): void {
    for (const [fn, configured] of this.#functions) {
      fn.setEnvironment(Object.fromEntries(Object.entries(values).filter(([name]) => !configured.has(name))));
    }
  }

  /** Loads every module handler's code anew, each on its own: one that fails keeps its old code. */
  async reload(): Promise<FunctionReload[]> {
    const functions = [...this.#functions.keys()].filter((fn) => fn.reload !== undefined);
    const outcomes = await Promise.allSettled(functions.map((fn) => fn.reload?.()));
    return functions.map((fn, index) => {
      const outcome = outcomes[index];
      return {
        functionName: fn.functionName,
        error: outcome?.status === 'rejected' ? (outcome.reason as Error) : undefined,
      };
    });
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#functions.keys()].map((fn) => fn.close()));
  }

  #runtimeEnvironment(functionName: string): Record<string, string> {
    const credentials = this.#settings.management.credentials;
    return {
      AWS_REGION: this.#settings.region,
      AWS_DEFAULT_REGION: this.#settings.region,
      AWS_LAMBDA_FUNCTION_NAME: functionName,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
      // The SDK needs some credentials to sign; these are the ones the management API verifies when configured.
      AWS_ACCESS_KEY_ID: credentials?.accessKeyId ?? process.env.AWS_ACCESS_KEY_ID ?? 'local',
      AWS_SECRET_ACCESS_KEY: credentials?.secretAccessKey ?? process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
    };
  }
}
