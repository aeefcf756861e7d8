/**
 * Inside a function's worker: the AWS SDK for JavaScript v2 ignores the
 * `AWS_ENDPOINT_URL_<SERVICE>` variables that SDK v3 honours, so a v2 app would
 * reach real AWS (or nowhere) instead of DynamoDB Local. When an endpoint variable
 * is set, the worker watches for the v2 SDK being loaded (its `lib/node_loader.js`),
 * by `require` or `import` alike, and gives its global configuration
 * those endpoints (`AWS_ENDPOINT_URL_DYNAMODB` sets `AWS.config.dynamodb.endpoint`)
 * before the handler creates a client. A handler that never loads the v2 SDK pays
 * nothing. An endpoint passed to a client's constructor still wins, as in SDK v3;
 * an `aws-sdk` bundled into the handler file is out of reach.
 */
import Module from 'node:module';

interface SdkV2Core {
  config: { update(options: Record<string, unknown>, allowUnknownKeys?: boolean): void } & Record<string, unknown>;
}

interface CompilingModule {
  exports: unknown;
}

const PREFIX = 'AWS_ENDPOINT_URL_';
/** Every entry of the v2 SDK loads it, and it resets `AWS.config` as its last step. */
const NODE_LOADER_FILE = /[\\/]aws-sdk[\\/]lib[\\/]node_loader\.js$/;

export class SdkV2Endpoints {
  /** Every v2 SDK core loaded in this worker (a project may hold several copies). */
  readonly #cores: SdkV2Core[] = [];

  /** Starts watching for the v2 SDK, if an endpoint variable is set; undefined otherwise. */
  static watch(env: NodeJS.ProcessEnv = process.env): SdkV2Endpoints | undefined {
    if (!Object.keys(env).some((name) => name.startsWith(PREFIX))) return undefined;
    const endpoints = new SdkV2Endpoints();
    const prototype = Module.prototype as unknown as { _compile(content: string, filename: string): unknown };
    const compile = prototype._compile;
    prototype._compile = function compileWatchingSdkV2(this: CompilingModule, content: string, filename: string) {
      const result = compile.call(this, content, filename);
      if (NODE_LOADER_FILE.test(filename)) endpoints.#adopt(this.exports as SdkV2Core);
      return result;
    };
    return endpoints;
  }

  /** Applies the endpoint variables again (the gateway sets some once it listens). */
  apply(env: NodeJS.ProcessEnv = process.env): void {
    for (const core of this.#cores) configure(core, env);
  }

  #adopt(core: SdkV2Core): void {
    if (typeof core?.config?.update !== 'function') return;
    this.#cores.push(core);
    configure(core, process.env);
  }
}

function configure(core: SdkV2Core, env: NodeJS.ProcessEnv): void {
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(PREFIX) || !value) continue;
    // AWS_ENDPOINT_URL_DYNAMODB_STREAMS -> dynamodbstreams, the v2 service identifier.
    const service = name.slice(PREFIX.length).replaceAll('_', '').toLowerCase();
    const current = core.config[service];
    core.config.update({ [service]: { ...(typeof current === 'object' ? current : {}), endpoint: value } }, true);
  }
}
