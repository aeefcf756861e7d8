/**
 * A loaded function as the gateway calls it, whether it runs in worker threads
 * (a module handler) or inline (a function handler); see lambda.ts.
 */

export interface InvokeOptions {
  /**
   * The gateway owes this invocation (a `$disconnect`, once per connection): a
   * function never refuses it for a full queue, and counts its time from when a
   * worker takes it rather than from the call.
   * @default false
   */
  owed?: boolean;
}

/**
 * A loaded function; `invoke` resolves with the handler's raw result, or rejects
 * with IntegrationTimeoutError once `deadline` (epoch ms) has passed.
 */
export interface LambdaFunction {
  readonly functionName: string;
  invoke(event: unknown, deadline: number, options?: InvokeOptions): Promise<unknown>;
  /**
   * Loads the handler's code anew (hot reload), for a module handler; rejects with
   * HandlerLoadError if the new code does not load, and the old code keeps serving.
   * A function handler (code the gateway was given, not a file) has none.
   */
  reload?(): Promise<void>;
  /** Adds environment variables known only once the gateway listens. */
  setEnvironment(values: Record<string, string>): void;
  close(): Promise<void>;
}
