/**
 * The Lambda REQUEST authorizer on `$connect` (spec 6). It runs on every new
 * connection (no result cache for WebSocket, checklist 101) and decides the
 * handshake: 401 for missing identity or "Unauthorized", 403 for a policy that
 * does not allow `$connect`, 500 for any other failure.
 */
import { type ConnectionFacts, type HandshakeFacts, requestContext } from '../events.ts';
import type { LambdaFunction } from '../integrations/lambda-function.ts';
import { firstMissingIdentitySource, type IdentitySources, parseIdentitySources } from './identity-sources.ts';
import { type PolicyDocument, policyAllows } from './policy.ts';

export type AuthorizerOutcome =
  | { allowed: true; authorizer: Record<string, string> }
  | { allowed: false; status: 401 | 403 | 500; reason: string };

export interface RequestAuthorizerOptions {
  fn: LambdaFunction;
  identitySources: readonly string[];
  /** `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/$connect`: no HTTP verb (spec 6). */
  methodArn: string;
  timeoutMs: number;
}

export class RequestAuthorizer {
  readonly #options: RequestAuthorizerOptions;
  readonly #identitySources: IdentitySources;

  constructor(options: RequestAuthorizerOptions) {
    this.#options = options;
    this.#identitySources = parseIdentitySources(options.identitySources);
  }

  async authorize(
    facts: ConnectionFacts,
    /** The handshake with every header, `Connection` and `Upgrade` included (checklist 97). */
    handshake: HandshakeFacts,
    requestId: string,
    now: number,
  ): Promise<AuthorizerOutcome> {
    const missing = firstMissingIdentitySource(this.#identitySources, handshake, facts.stageVariables);
    if (missing) return { allowed: false, status: 401, reason: `identity source ${missing} is missing or empty` };

    let result: unknown;
    try {
      // `invoke` itself rejects once the deadline has passed (LambdaFunction's contract).
      result = await this.#options.fn.invoke(
        this.#event(facts, handshake, requestId, now),
        Date.now() + this.#options.timeoutMs,
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return message === 'Unauthorized'
        ? { allowed: false, status: 401, reason: 'authorizer answered Unauthorized' }
        : { allowed: false, status: 500, reason: `authorizer failed: ${message}` };
    }
    return this.#decide(result);
  }

  #event(facts: ConnectionFacts, handshake: HandshakeFacts, requestId: string, now: number): object {
    return {
      type: 'REQUEST',
      methodArn: this.#options.methodArn,
      headers: handshake.headers,
      multiValueHeaders: handshake.multiValueHeaders,
      // Spec 6: present as {} even when empty (checklist 98).
      queryStringParameters: handshake.query?.single ?? {},
      multiValueQueryStringParameters: handshake.query?.multi ?? {},
      stageVariables: facts.stageVariables ?? {},
      // The CONNECT shape, without `authorizer`: it is being decided (checklist 99).
      requestContext: requestContext(facts, '$connect', 'CONNECT', requestId, now),
    };
  }

  #decide(result: unknown): AuthorizerOutcome {
    if (result === 'Unauthorized') return { allowed: false, status: 401, reason: 'authorizer answered Unauthorized' };
    if (!result || typeof result !== 'object') {
      return { allowed: false, status: 500, reason: 'authorizer returned no policy' };
    }
    const output = result as { principalId?: unknown; policyDocument?: PolicyDocument; context?: unknown };
    if (typeof output.principalId !== 'string' && typeof output.principalId !== 'number') {
      return { allowed: false, status: 403, reason: 'authorizer result has no principalId' };
    }
    if (!policyAllows(output.policyDocument, 'execute-api:Invoke', this.#options.methodArn)) {
      return { allowed: false, status: 403, reason: `policy does not allow ${this.#options.methodArn}` };
    }
    const authorizer: Record<string, string> = { principalId: String(output.principalId) };
    if (output.context !== undefined && output.context !== null) {
      if (typeof output.context !== 'object') {
        return { allowed: false, status: 500, reason: 'authorizer context is not an object' };
      }
      for (const [key, value] of Object.entries(output.context)) {
        // Spec 6: context values are strings, numbers or booleans, passed on stringified.
        if (!['string', 'number', 'boolean'].includes(typeof value)) {
          return {
            allowed: false,
            status: 500,
            reason: `authorizer context value "${key}" is not a string, number or boolean`,
          };
        }
        authorizer[key] = String(value);
      }
    }
    // The principal is the authorizer's answer, not something its context may rename.
    authorizer.principalId = String(output.principalId);
    return { allowed: true, authorizer };
  }
}
