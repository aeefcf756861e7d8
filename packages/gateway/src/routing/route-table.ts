/**
 * The compiled routes of a gateway and route selection (spec 2): the route whose
 * key equals the selection result exactly (case-sensitive), else `$default`, else
 * none (the caller sends the Forbidden frame). `$connect` and `$disconnect` are
 * never selected by the expression (spec 2 rule 9).
 */
import type { Integration } from '../integrations/integration.ts';
import type { TokenBucket } from '../throttle/token-bucket.ts';
import type { BodyValidator } from '../validation/models.ts';
import { compileSelectionExpression, type SelectionExpression } from './selection-expression.ts';

export interface CompiledRoute {
  readonly key: string;
  readonly integration: Integration;
  /** Two-way route: the integration's body goes back to the caller (spec 1.6). */
  readonly routeResponse: boolean;
  readonly validate: BodyValidator | undefined;
  readonly timeoutMs: number;
  /** The route's own bucket, or the stage default's; undefined when unthrottled. */
  readonly throttle: TokenBucket | undefined;
}

export class RouteTable {
  readonly connect: CompiledRoute | undefined;
  readonly disconnect: CompiledRoute | undefined;
  readonly #fallback: CompiledRoute | undefined;
  readonly #messageRoutes: Map<string, CompiledRoute>;
  readonly #expression: SelectionExpression;

  constructor(routeSelectionExpression: string, routes: Iterable<CompiledRoute>) {
    this.#expression = compileSelectionExpression(routeSelectionExpression);
    const byKey = new Map<string, CompiledRoute>();
    for (const route of routes) byKey.set(route.key, route);
    this.connect = byKey.get('$connect');
    this.disconnect = byKey.get('$disconnect');
    this.#fallback = byKey.get('$default');
    byKey.delete('$connect');
    byKey.delete('$disconnect');
    this.#messageRoutes = byKey;
  }

  get all(): CompiledRoute[] {
    return [this.connect, this.disconnect, ...this.#messageRoutes.values()].filter((route) => route !== undefined);
  }

  /** Selects the route for a message; undefined means no route and no `$default`. */
  select(body: string): CompiledRoute | undefined {
    let parsed: unknown;
    if (this.#expression.usesBody) {
      try {
        parsed = JSON.parse(body);
      } catch {
        // Spec 2 rule 7: non-JSON messages go to $default.
        return this.#fallback;
      }
    }
    return this.#messageRoutes.get(this.#expression.evaluate(parsed)) ?? this.#fallback;
  }
}
