/**
 * Access logging (spec 8): one line per CONNECT, MESSAGE and DISCONNECT event,
 * rendered from a format of `$context` variables and written to stdout, stderr or
 * a file.
 *
 * @example
 * const log = new AccessLog({ format: 'json', destination: 'logs/access.log', baseDir: configDir });
 * log.write(event.requestContext, { status: 200, integrationLatency: 3 });
 * await log.close();
 */
import { mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import pino from 'pino';
import { type ContextExtras, contextVariable } from '../context-variables.ts';
import type { AccessLogDefinition } from '../definition.ts';
import { ConfigError } from '../errors.ts';
import type { RequestContext } from '../events.ts';

export type AccessLogRenderer = (requestContext: RequestContext, extras: ContextExtras) => string;

export interface AccessLogOptions extends AccessLogDefinition {
  /** Directory a relative file `destination` resolves against (the config file's directory). */
  baseDir: string;
  /**
   * Called when writing to the destination fails after start-up (disk full, closed pipe).
   * Access logging never takes the gateway down.
   * @default emits a process warning
   */
  onError?: (error: Error) => void;
}

/**
 * The API Gateway console presets for WebSocket APIs (spec 8), verbatim. The XML
 * preset's elements are spelled out where the spec elides them.
 */
export const AccessLogPreset = {
  clf: '$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime] "$context.eventType $context.routeKey $context.connectionId" $context.status $context.requestId',
  json: '{ "requestId":"$context.requestId", "ip": "$context.identity.sourceIp", "caller":"$context.identity.caller", "user":"$context.identity.user", "requestTime":"$context.requestTime", "eventType":"$context.eventType", "routeKey":"$context.routeKey", "status":"$context.status", "connectionId":"$context.connectionId" }',
  xml: '<request id="$context.requestId"> <ip>$context.identity.sourceIp</ip> <caller>$context.identity.caller</caller> <user>$context.identity.user</user> <requestTime>$context.requestTime</requestTime> <eventType>$context.eventType</eventType> <routeKey>$context.routeKey</routeKey> <status>$context.status</status> <connectionId>$context.connectionId</connectionId> </request>',
  csv: '$context.identity.sourceIp,$context.identity.caller,$context.identity.user,$context.requestTime,$context.eventType,$context.routeKey,$context.connectionId,$context.status,$context.requestId',
} as const;

/** Spec 8: "Max template size is 3 KB". */
const MAX_FORMAT_BYTES = 3 * 1024;
/** A destination that cannot keep up drops lines past this backlog rather than grow without bound. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

/**
 * Compiles an access-log format once; the returned function renders one line (without
 * the line break) per event.
 *
 * `format` is a preset name (`clf`, `json`, `xml`, `csv`) or a custom format of text
 * and `$context.<name>` (or `${context.<name>}`) variables. Names resolve as
 * {@link contextVariable} does: the event's `requestContext`, then gateway facts in
 * `extras` (`status`, `integrationLatency`, `error.message`, ...).
 *
 * - A variable without a value (not set for this event, or one WebSocket APIs do not
 *   have, such as `$context.httpMethod`) renders `-`, as REST and HTTP API access logs
 *   do (spec 8; checklist 112 is our documented choice). So does an empty value, which
 *   would otherwise shift CLF and CSV columns.
 * - Values are inserted as they are, with two exceptions: in a JSON-shaped format
 *   (starting with `{`) a variable inside a string literal is JSON-escaped, and in an
 *   XML-shaped format (starting with `<`) values are XML-escaped, so each line stays
 *   valid JSON or XML whatever a client sent. Everywhere else CR and LF are written as
 *   `\r` and `\n`, so an event is always one line.
 *
 * @throws {ConfigError} when the format is empty, spans lines, exceeds 3 KB, or uses a
 *   variable other than `$context.*` (such as `$input.body`), per spec 8.
 */
export function compileAccessLogFormat(format: string): AccessLogRenderer {
  const source = presetFor(format) ?? format;
  const parts = parse(source);
  return (requestContext, extras) => {
    let line = '';
    for (const part of parts) {
      if (typeof part === 'string') {
        line += part;
      } else {
        const value = contextVariable(requestContext, part.name, extras);
        line += value === undefined || value === '' ? '-' : part.encode(value);
      }
    }
    return line;
  };
}

/**
 * Writes one rendered line per event to `stdout`, `stderr` or a file (appended to,
 * created with its directory when missing). Writes are buffered and asynchronous;
 * {@link AccessLog.close} flushes them.
 *
 * @throws {ConfigError} from the constructor when the format is invalid or the file
 *   cannot be opened, so a bad configuration fails at start-up.
 */
export class AccessLog {
  readonly #render: AccessLogRenderer;
  readonly #stream: ReturnType<typeof pino.destination>;
  #closed: Promise<void> | undefined;

  constructor(options: AccessLogOptions) {
    const { format = 'clf', destination = 'stdout', baseDir, onError = warnOnWriteError } = options;
    this.#render = compileAccessLogFormat(format);
    this.#stream = pino.destination({
      fd: openDestination(destination, baseDir),
      sync: false,
      maxLength: MAX_BUFFERED_BYTES,
    });
    this.#stream.on('error', onError);
  }

  /** Renders and queues one line. Ignored after {@link AccessLog.close}. */
  write(requestContext: RequestContext, extras: ContextExtras = {}): void {
    if (this.#closed) return;
    this.#stream.write(`${this.#render(requestContext, extras)}\n`);
  }

  /** Flushes queued lines and closes a file destination (stdout and stderr stay open). Idempotent. */
  close(): Promise<void> {
    this.#closed ??= new Promise((resolveClose) => {
      // A failing close reports through `onError` and must not leave the caller waiting.
      const done = () => resolveClose();
      this.#stream.once('close', done);
      this.#stream.once('error', done);
      this.#stream.end();
    });
    return this.#closed;
  }
}

function warnOnWriteError(error: Error): void {
  process.emitWarning(`The access log could not be written: ${error.message}`);
}

type Encode = (value: string) => string;
type Part = string | { name: string; encode: Encode };

// `$context.a.b`, `${context.a.b}`, and any other `$name` or `${name}` reference (rejected).
const NAME = String.raw`[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*`;
const VARIABLE = new RegExp(String.raw`\$\{context\.(${NAME})\}|\$context\.(${NAME})|\$\{?(${NAME})\}?`, 'g');

function presetFor(format: string): string | undefined {
  const name = format.toLowerCase();
  return Object.hasOwn(AccessLogPreset, name) ? AccessLogPreset[name as keyof typeof AccessLogPreset] : undefined;
}

function parse(source: string): Part[] {
  if (source.trim() === '') throw formatError('must not be empty');
  if (/[\r\n]/.test(source)) throw formatError('must be a single line (spec 8)');
  const bytes = Buffer.byteLength(source);
  if (bytes > MAX_FORMAT_BYTES) throw formatError(`is ${bytes} bytes; the maximum is ${MAX_FORMAT_BYTES} (spec 8)`);

  const shape = source.trimStart()[0];
  const json = shape === '{' ? new JsonStringTracker() : undefined;
  const parts: Part[] = [];
  let last = 0;
  for (const match of source.matchAll(VARIABLE)) {
    const [text, braced, plain, other] = match;
    if (other !== undefined) {
      throw formatError(`uses ${text}; only $context variables are allowed in access logs (spec 8)`);
    }
    const literal = source.slice(last, match.index);
    json?.advance(literal);
    if (literal) parts.push(literal);
    const encode = json?.inString ? escapeJson : shape === '<' ? escapeXml : escapeLineBreaks;
    parts.push({ name: (braced ?? plain)!, encode });
    last = match.index + text.length;
  }
  if (last < source.length) parts.push(source.slice(last));
  return parts;
}

/** Follows whether a position in JSON-shaped text is inside a string literal. */
class JsonStringTracker {
  inString = false;
  #escaped = false;

  advance(text: string): void {
    for (const char of text) {
      if (this.#escaped) this.#escaped = false;
      else if (this.inString && char === '\\') this.#escaped = true;
      else if (char === '"') this.inString = !this.inString;
    }
  }
}

function escapeJson(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

function escapeXml(value: string): string {
  return escapeLineBreaks(value.replace(/[&<>"']/g, (char) => XML_ENTITIES[char]!));
}

function escapeLineBreaks(value: string): string {
  return /[\r\n]/.test(value) ? value.replace(/\r/g, '\\r').replace(/\n/g, '\\n') : value;
}

function formatError(problem: string): ConfigError {
  return new ConfigError(`The access log format ${problem}`, { path: 'accessLog.format' });
}

/** Opens the destination synchronously so an unwritable path is a start-up error, not a lost log. */
function openDestination(destination: string, baseDir: string): number {
  if (destination === 'stdout') return 1;
  if (destination === 'stderr') return 2;
  const path = resolve(baseDir, destination);
  try {
    mkdirSync(dirname(path), { recursive: true });
    return openSync(path, 'a');
  } catch (error) {
    throw new ConfigError(
      `The access log file ${path} cannot be opened: ${(error as Error).message}`,
      {
        path: 'accessLog.destination',
      },
      { cause: error },
    );
  }
}
