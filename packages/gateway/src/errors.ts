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
  /** Every worker of a module handler is busy and its queue is full (Lambda's 429 `TooManyRequestsException`). */
  functionThrottled: 'SB_ERR_FUNCTION_THROTTLED',
  /** A mapping template cannot be compiled or rendered; `template`, `line` and `column` say where. */
  template: 'SB_ERR_TEMPLATE',
  /** A non-proxy integration's message matched no request template and its passthroughBehavior refuses it. */
  noTemplateMatch: 'SB_ERR_NO_TEMPLATE_MATCH',
  /** An app's regular expression ran past its time limit on a message (it backtracks). */
  patternTimeLimit: 'SB_ERR_PATTERN_TIME_LIMIT',
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

/**
 * An invocation refused because the function runs `maxWorkers` workers, each at
 * `maxInvocationsPerWorker`, and `maxQueuedInvocations` wait already. The gateway
 * answers it as a throttle (docs/gateway.md, "Concurrency").
 */
export class FunctionThrottledError extends GatewayError {
  readonly functionName: string;

  constructor(
    functionName: string,
    limits: { maxWorkers: number; maxInvocationsPerWorker: number; maxQueuedInvocations: number },
  ) {
    super(
      GatewayErrorCode.functionThrottled,
      `${functionName} is at its concurrency limit: ${limits.maxWorkers} workers × ${limits.maxInvocationsPerWorker} invocations each are busy and ${limits.maxQueuedInvocations} invocations wait; raise concurrency.maxWorkers or concurrency.maxQueuedInvocations`,
    );
    this.name = 'FunctionThrottledError';
    this.functionName = functionName;
  }
}

/**
 * An app's regular expression (a mapping template's `matches`, `replaceAll`,
 * `replaceFirst` or `split`, an integration response key, a model's `pattern`) was
 * stopped after `limitMs` on a text of `textLength` characters: it backtracks on that
 * text, and would otherwise hold the event loop every connection shares.
 */
export class PatternTimeLimitError extends GatewayError {
  readonly subject: string;
  readonly limitMs: number;
  readonly textLength: number;

  constructor(subject: string, limitMs: number, textLength: number) {
    super(
      GatewayErrorCode.patternTimeLimit,
      `${subject} was stopped after ${limitMs} ms on a text of ${textLength} characters: a regular expression backtracks on it; write patterns so that no part of a text can match in more than one way ((a+)+ as a+)`,
    );
    this.name = 'PatternTimeLimitError';
    this.subject = subject;
    this.limitMs = limitMs;
    this.textLength = textLength;
  }
}

/** Where in a mapping template a problem is: 1-based line and column. */
export interface TemplatePosition {
  line: number;
  column: number;
}

/**
 * A mapping template that uses something API Gateway's VTL does not have, or that this
 * gateway does not reproduce, or that failed while rendering (a Java exception on AWS).
 * The message reads `<template> line L, column C: <problem>`; `template` names it by its
 * place in the config, e.g. `routes.sendmessage.integration.requestTemplates.$default`.
 */
export class TemplateError extends GatewayError {
  readonly template: string;
  readonly position: TemplatePosition;
  readonly problem: string;

  constructor(template: string, position: TemplatePosition, problem: string, options?: ErrorOptions) {
    super(
      GatewayErrorCode.template,
      `${template} line ${position.line}, column ${position.column}: ${problem}`,
      options,
    );
    this.name = 'TemplateError';
    this.template = template;
    this.position = position;
    this.problem = problem;
  }
}
