/** Messages between the gateway and a function's worker thread. */

export interface WorkerData {
  reference: string;
  baseDir: string;
  functionName: string;
  functionArn: string;
  logStreamName: string;
}

export type WorkerRequest =
  | { type: 'invoke'; id: number; event: unknown; deadline: number }
  /** Variables known only once the gateway listens (its `@connections` URL). */
  | { type: 'environment'; values: Record<string, string> };

export interface SerialisedError {
  name: string;
  message: string;
  stack?: string;
}

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'loadError'; error: SerialisedError }
  | { type: 'result'; id: number; result: unknown }
  | { type: 'error'; id: number; error: SerialisedError };
