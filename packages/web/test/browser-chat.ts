/**
 * What every browser test starts: the real chat server (SQLite in a temporary
 * directory) serving the built client, and Debian's Chromium.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { type ChatServer, type ChatServerOptions, startChatServer } from '../../chat/src/server.ts';
import { distDir, ensureBuilt, launchChromium, newPage, signUp } from './browser.ts';

/** What a browser test may change about the server. */
export type BrowserChatOptions = Pick<
  ChatServerOptions,
  'rateLimits' | 'passwordCost' | 'heartbeatIntervalMs' | 'broadcaster' | 'serverAdmins' | 'files'
>;

export class BrowserChat {
  readonly browser: Browser;
  readonly dataDir: string;
  readonly #options: BrowserChatOptions;
  #server: ChatServer | null;

  private constructor(browser: Browser, dataDir: string, server: ChatServer, options: BrowserChatOptions) {
    this.browser = browser;
    this.dataDir = dataDir;
    this.#server = server;
    this.#options = options;
  }

  /** @param options for the server, e.g. rate limits lifted for a test that sends many messages as one user */
  static async start(options: BrowserChatOptions = {}): Promise<BrowserChat> {
    await ensureBuilt();
    const dataDir = await mkdtemp(join(tmpdir(), 'chat-browser-'));
    const server = await startChatServer({ ...options, port: 0, dataDir, webRoot: distDir, logger: false });
    return new BrowserChat(await launchChromium(), dataDir, server, options);
  }

  get server(): ChatServer {
    if (this.#server === null) throw new Error('the chat server is stopped');
    return this.#server;
  }

  /** Stops the server (its clients see their sockets close) and returns its port, to start it again there. */
  async stopServer(): Promise<number> {
    const port = Number(new URL(this.server.url).port);
    const server = this.server;
    this.#server = null;
    await server.close();
    return port;
  }

  /** Starts the server again on `port` with the same data (a restart). */
  async startServer(port: number): Promise<void> {
    this.#server = await startChatServer({
      ...this.#options,
      port,
      dataDir: this.dataDir,
      webRoot: distDir,
      logger: false,
    });
  }

  async close(): Promise<void> {
    await this.browser.close();
    await this.#server?.close();
    await rm(this.dataDir, { recursive: true, force: true });
  }
}

/** Two people each signed up in their own browser context, and the chat they use. */
export interface TwoPeople {
  chat: BrowserChat;
  ada: Page;
  grace: Page;
}

/**
 * Inside a `describe`: before its tests, starts a chat and signs `ada` and
 * `grace` up, each on their own page; after them, closes it. The fields are set
 * once the `before` hook has run.
 */
export function withTwoPeople(options: BrowserChatOptions | (() => BrowserChatOptions) = {}): TwoPeople {
  const people = {} as TwoPeople;
  before(async () => {
    // A function when the options need what an earlier `before` hook started.
    const chat = await BrowserChat.start(typeof options === 'function' ? options() : options);
    const [ada, grace] = [await newPage(chat.browser), await newPage(chat.browser)];
    await signUp(ada, chat.server.url, 'ada');
    await signUp(grace, chat.server.url, 'grace');
    Object.assign(people, { chat, ada, grace });
  });
  after(() => people.chat?.close());
  return people;
}
