/**
 * Test support for the `$connect`/`$disconnect` contract: a definition whose
 * authorizer and `$connect` behave as each client's query asks (delay, outcome),
 * and a ledger of the `$connect` handlers that succeeded and the `$disconnect`
 * events, per connection id, to check that every success got exactly one.
 *
 * Query parameters of the upgrade URL:
 * - `auth=<ms>`: the authorizer takes this long, then allows;
 * - `connect=<ms>`: `$connect` takes this long;
 * - `result=ok|refuse|fail`: `$connect` answers 200, answers 403, or throws.
 */
import assert from 'node:assert/strict';
import type { GatewayDefinition } from '../../src/definition.ts';
import { ALLOW_ANY, sleep } from './gateway-harness.ts';

interface PairingEvent {
  queryStringParameters?: Record<string, string>;
  requestContext: { connectionId: string; disconnectStatusCode?: number; disconnectReason?: string };
}

export class PairingLedger {
  /** Connection ids whose `$connect` handler returned a 2xx status. */
  readonly accepted = new Set<string>();
  /** `$disconnect` events by connection id. */
  readonly disconnects = new Map<string, { code: number; reason: string }[]>();
  /** Authorizer calls that have started. */
  startedAuthorizations = 0;
  /** `$connect` handlers that have started, and finished (any outcome). */
  startedConnects = 0;
  finishedConnects = 0;

  /** Every accepted `$connect` has exactly one `$disconnect`, and no other connection has one. */
  assertPaired(): void {
    for (const id of this.accepted) {
      assert.equal(this.disconnects.get(id)?.length ?? 0, 1, `$connect of ${id} succeeded: one $disconnect expected`);
    }
    for (const id of this.disconnects.keys()) {
      assert.ok(this.accepted.has(id), `$disconnect for ${id}, whose $connect did not succeed`);
    }
  }
}

/** Waits (bounded) until `condition` holds. */
export async function until(condition: () => boolean, what: string, ms = 5000): Promise<void> {
  const giveUp = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > giveUp) throw new Error(`${what} did not happen within ${ms} ms`);
    await sleep(5);
  }
}

export interface PairingOptions {
  /** `$connect`'s `timeoutInMillis`. @default 29000 */
  connectTimeoutMs?: number;
  /** Whether a REQUEST authorizer runs before `$connect`. @default false */
  authorizer?: boolean;
}

export function pairingDefinition(ledger: PairingLedger, options: PairingOptions = {}): GatewayDefinition {
  const query = (event: PairingEvent): Record<string, string> => event.queryStringParameters ?? {};
  return {
    ...(options.authorizer && {
      authorizer: {
        identitySource: [],
        handler: async (event: PairingEvent) => {
          ledger.startedAuthorizations++;
          await sleep(Number(query(event).auth ?? 0));
          return ALLOW_ANY;
        },
      },
    }),
    routes: {
      $connect: {
        timeoutInMillis: options.connectTimeoutMs ?? 29_000,
        handler: async (event: PairingEvent) => {
          const { connect = '0', result = 'ok' } = query(event);
          ledger.startedConnects++;
          try {
            await sleep(Number(connect));
            if (result === 'fail') throw new Error('refused by a throw');
            if (result === 'refuse') return { statusCode: 403 };
            ledger.accepted.add(event.requestContext.connectionId);
            return { statusCode: 200 };
          } finally {
            ledger.finishedConnects++;
          }
        },
      },
      $disconnect: {
        handler: async (event: PairingEvent) => {
          const { connectionId, disconnectStatusCode = 0, disconnectReason = '' } = event.requestContext;
          const list = ledger.disconnects.get(connectionId) ?? [];
          list.push({ code: disconnectStatusCode, reason: disconnectReason });
          ledger.disconnects.set(connectionId, list);
          return {};
        },
      },
      $default: { handler: async (event: { body: string }) => ({ body: event.body }), routeResponse: true },
    },
  };
}
