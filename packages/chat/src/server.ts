/**
 * The chat in one process: the SQLite store in the data directory, the chat
 * service, the Lambda-style handlers on the Switchboard gateway (WebSocket API at
 * `/ws`), and the HTTP endpoints plus the web client on the same port.
 *
 *   browser ──HTTP /api/*, /*──▶ request handler (accounts, search, web client)
 *   browser ──ws /ws?token=───▶ gateway ─▶ authorizer, $connect, actions ─▶ ChatService ─▶ SQLite
 *   ChatService ─▶ ChannelBroadcaster ─▶ gateway.channels (a channel per room, one frame per publish) ─▶ browsers
 */
import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGateway, type Gateway } from '@switchboard/gateway';
import pino, { type Logger } from 'pino';
import { resolveTokenSecret } from './accounts/secret.ts';
import { TokenService } from './accounts/tokens.ts';
import { chatApiDefinition } from './api/definition.ts';
import { ChannelBroadcaster } from './broadcast/channel-broadcaster.ts';
import { managementPoster } from './broadcast/connection-poster.ts';
import { type ChatLogger, ChatService } from './domain/chat-service.ts';
import { createChatHandlers } from './handlers/index.ts';
import { createChatRequestHandler } from './http/request-handler.ts';
import { ChatServerError, ChatServerErrorCode } from './server-error.ts';
import { DATABASE_FILE, DEFAULT_DATA_DIR, SqliteChatStore } from './store/sqlite/sqlite-chat-store.ts';

export interface ChatServerOptions {
  /** 0 picks a free port. @default 8080 */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Where the database (`chat.db`) and the generated token secret live. @default './data' */
  dataDir?: string;
  /** A token secret of at least 32 characters. @default generated on first start and kept in the data directory */
  tokenSecret?: string;
  /** The built web client. @default packages/web/dist */
  webRoot?: string;
  /** `false` logs nothing. @default a pino logger at level `info` */
  logger?: false;
}

export interface ChatServer {
  /** `http://host:port`: the web client and the HTTP endpoints. */
  url: string;
  /** `ws://host:port/ws`: add `?token=<token>`. */
  webSocketUrl: string;
  /** Closes every connection (clients see 1001), waits for their `$disconnect`, then closes the database. */
  close(): Promise<void>;
}

const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url));

/**
 * Starts the chat. Rejects with `ChatServerError` when the port is taken or the
 * data directory is unusable.
 *
 * @example
 * const chat = await startChatServer({ port: 0, dataDir: tmp, logger: false });
 * const socket = new WebSocket(`${chat.webSocketUrl}?token=${token}`);
 * await chat.close();
 */
export async function startChatServer(options: ChatServerOptions = {}): Promise<ChatServer> {
  const settings = {
    port: 8080,
    host: '127.0.0.1',
    dataDir: DEFAULT_DATA_DIR,
    webRoot: DEFAULT_WEB_ROOT,
    ...options,
  };
  const dataDir = resolve(settings.dataDir);
  const logger: Logger | false = settings.logger === false ? false : pino();
  const chatLogger: ChatLogger = logger ? logger.child({ component: 'chat' }) : { warn() {} };

  const store = await openStore(dataDir);
  let gateway: Gateway | undefined;
  try {
    const secret = await resolveTokenSecret({ dataDir, secret: settings.tokenSecret });
    // This process's sockets died with the previous one; their records are stale.
    await store.clearConnections();
    // The gateway is created from handlers that need the service: bind it late.
    const broadcaster = new ChannelBroadcaster({
      channels: {
        subscribe: (connectionId, channel) => gateway!.channels.subscribe(connectionId, channel),
        unsubscribe: (connectionId, channel) => gateway!.channels.unsubscribe(connectionId, channel),
        publish: (channel, data, options) => gateway!.channels.publish(channel, data, options),
      },
      poster: managementPoster({ postToConnection: (input) => gateway!.management.postToConnection(input) }),
    });
    const service = new ChatService({ store, broadcaster, tokens: new TokenService({ secret }), logger: chatLogger });
    const handlers = createChatHandlers({ service, logger: chatLogger });
    gateway = await createGateway(chatApiDefinition(handlers), {
      port: settings.port,
      host: settings.host,
      tls: false,
      logger: logger === false ? false : logger.child({ component: 'gateway' }),
      requestHandler: createChatRequestHandler({ service, webRoot: settings.webRoot, logger: chatLogger }),
    });
    const address = await listen(gateway, settings.host, settings.port);
    const host = address.host.includes(':') ? `[${address.host}]` : address.host;
    const url = `http://${host}:${address.port}`;
    let closing: Promise<void> | undefined;
    return {
      url,
      webSocketUrl: address.url,
      close() {
        closing ??= (async () => {
          await gateway!.close();
          await store.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    await gateway?.close();
    await store.close();
    if (error instanceof Error && 'code' in error && (error.code === 'EACCES' || error.code === 'EROFS')) {
      throw new ChatServerError(
        ChatServerErrorCode.dataDir,
        `Cannot write to the data directory ${dataDir}: ${error.message}`,
        { cause: error },
      );
    }
    throw error;
  }
}

async function openStore(dataDir: string): Promise<SqliteChatStore> {
  try {
    await mkdir(dataDir, { recursive: true });
    await access(dataDir, constants.W_OK);
    return SqliteChatStore.open(join(dataDir, DATABASE_FILE));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ChatServerError(
      ChatServerErrorCode.dataDir,
      `Cannot use the data directory ${dataDir}: ${reason}. Choose another with --data-dir or DATA_DIR.`,
      { cause: error },
    );
  }
}

async function listen(gateway: Gateway, host: string, port: number): ReturnType<Gateway['listen']> {
  try {
    return await gateway.listen();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      const why = code === 'EADDRINUSE' ? 'is in use by another process' : 'cannot be used';
      throw new ChatServerError(
        ChatServerErrorCode.portUnavailable,
        `Port ${port} on ${host} ${why} (${code}). Choose another with --port or PORT.`,
        { cause: error },
      );
    }
    throw error;
  }
}
