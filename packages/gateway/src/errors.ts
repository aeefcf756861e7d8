/**
 * Typed errors of the gateway. Every error carries a stable `code` (prefix `SB_ERR_`)
 * documented in docs/gateway.md, and a message that says what to change.
 */

export const GatewayErrorCode = {
  /** The definition or config file is invalid; `file`, `line` and `path` say where. */
  config: 'SB_ERR_CONFIG',
  /** A handler module could not be loaded or does not export the named function. */
  handlerLoad: 'SB_ERR_HANDLER_LOAD',
  /** A selection expression cannot be parsed. */
  selectionExpression: 'SB_ERR_SELECTION_EXPRESSION',
  /** `listen()` was called on a gateway that is already listening. */
  alreadyListening: 'SB_ERR_ALREADY_LISTENING',
  /** Cluster mode: Redis cannot be reached (at start, or for a call that needs it), or a node did not answer. */
  cluster: 'SB_ERR_CLUSTER',
} as const;

export type GatewayErrorCode = (typeof GatewayErrorCode)[keyof typeof GatewayErrorCode];

export class GatewayError extends Error {
  readonly code: GatewayErrorCode;

  constructor(code: GatewayErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'GatewayError';
    this.code = code;
  }
}

/** Where in a config file a problem is; rendered as `file:line: path: message`. */
export interface ConfigLocation {
  file?: string;
  line?: number;
  /** Dotted path of the offending key, e.g. `routes.sendmessage.model`. */
  path?: string;
}

export class ConfigError extends GatewayError {
  readonly location: ConfigLocation;
  readonly problem: string;

  constructor(problem: string, location: ConfigLocation = {}, options?: ErrorOptions) {
    super(GatewayErrorCode.config, renderConfigProblem(problem, location), options);
    this.name = 'ConfigError';
    this.problem = problem;
    this.location = location;
  }
}

function renderConfigProblem(problem: string, { file, line, path }: ConfigLocation): string {
  const where = [file && (line ? `${file}:${line}` : file), path].filter(Boolean).join(': ');
  return where ? `${where}: ${problem}` : problem;
}

export class HandlerLoadError extends GatewayError {
  constructor(message: string, options?: ErrorOptions) {
    super(GatewayErrorCode.handlerLoad, message, options);
    this.name = 'HandlerLoadError';
  }
}

export class ClusterError extends GatewayError {
  constructor(message: string, options?: ErrorOptions) {
    super(GatewayErrorCode.cluster, message, options);
    this.name = 'ClusterError';
  }
}
