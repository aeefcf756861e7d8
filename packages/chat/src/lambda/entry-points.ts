/**
 * Where each Lambda function's code is: one module per WebSocket route (named
 * after its route key: `sendMessage` is `routes/send-message.ts`, `$connect` is
 * `routes/connect.ts`), the authorizer, the HTTP API, the token secret's
 * rotation, and the search indexer the table's stream invokes. Each exports
 * `handler`.
 * The CDK app bundles exactly these files.
 */
import { fileURLToPath } from 'node:url';
import { type ChatRouteKey, chatRouteKeys } from '../api/definition.ts';

/** `$connect` -> `connect`, `sendMessage` -> `send-message`. */
export function routeModuleName(routeKey: ChatRouteKey): string {
  return routeKey.replace(/^\$/, '').replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));

/** Absolute paths of the entry modules. */
export const lambdaEntryPoints: {
  authorizer: string;
  httpApi: string;
  /** Secrets Manager's rotation function of the token secret. */
  rotation: string;
  /** Writes the search index from the table's stream. */
  searchIndexer: string;
  routes: Record<ChatRouteKey, string>;
} = {
  authorizer: here('./authorizer.ts'),
  httpApi: here('./http-api.ts'),
  rotation: here('./rotation.ts'),
  searchIndexer: here('./search-indexer.ts'),
  routes: Object.fromEntries(chatRouteKeys.map((key) => [key, here(`./routes/${routeModuleName(key)}.ts`)])) as Record<
    ChatRouteKey,
    string
  >,
};

/** Every entry module exports its handler under this name. */
export const LAMBDA_HANDLER_EXPORT = 'handler';
