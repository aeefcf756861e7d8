/**
 * Shared by the browser end-to-end test and the screenshot script: the built
 * client, Debian's Chromium through playwright-core, and signing up through the UI.
 */
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { testPassword } from './accounts.ts';

export const webRoot = fileURLToPath(new URL('..', import.meta.url));
export const distDir = fileURLToPath(new URL('../dist', import.meta.url));

/** Every wait in the browser tests is bounded by this. */
export const timeout = 10_000;

/**
 * Builds `dist/` with Vite when it is missing or older than a source file. Test
 * files run in parallel, so one builds while the others wait for its lock.
 */
export async function ensureBuilt(): Promise<void> {
  const lock = join(webRoot, '.dist-build.lock');
  for (const waitUntil = Date.now() + 120_000; ; ) {
    if ((await builtAt()) >= (await newestSource())) return;
    try {
      await mkdir(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A lock left by a killed run is older than any build takes.
      const age =
        Date.now() -
        (await stat(lock).then(
          (info) => info.mtimeMs,
          () => Date.now(),
        ));
      if (age > 120_000 || Date.now() > waitUntil) await rm(lock, { recursive: true, force: true });
      else await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    if ((await builtAt()) >= (await newestSource())) return;
    const { build } = await import('vite');
    await build({ root: webRoot, logLevel: 'silent' });
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

function builtAt(): Promise<number> {
  return stat(join(distDir, 'index.html')).then(
    (info) => info.mtimeMs,
    () => 0,
  );
}

/** The latest change to anything the bundle is built from. */
async function newestSource(): Promise<number> {
  const roots = [
    join(webRoot, 'src'),
    join(webRoot, 'index.html'),
    join(webRoot, '..', 'chat', 'src', 'api'),
    join(webRoot, '..', 'chat', 'src', 'domain'),
  ];
  let newest = 0;
  for (const root of roots) {
    const info = await stat(root);
    newest = Math.max(newest, info.mtimeMs);
    if (!info.isDirectory()) continue;
    for (const entry of await readdir(root, { recursive: true })) {
      newest = Math.max(newest, (await stat(join(root, entry))).mtimeMs);
    }
  }
  return newest;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // Keeps Chromium's own lookups off the network: only the local server resolves.
      '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
    ],
  });
}

/** A page in its own browser context (its own storage: another person), with every wait bounded. */
export async function newPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext();
  context.setDefaultTimeout(timeout);
  return context.newPage();
}

/** Creates an account through the sign-in screen and waits until the chat is online. */
export function signUp(page: Page, url: string, username: string): Promise<void> {
  return signIn(page, url, username, 'mode-register');
}

/** Signs in to an existing account (made with `testPassword`) through the sign-in screen. */
export function logIn(page: Page, url: string, username: string): Promise<void> {
  return signIn(page, url, username, 'mode-sign-in');
}

async function signIn(page: Page, url: string, username: string, mode: string): Promise<void> {
  await page.goto(url);
  await page.getByTestId(mode).click();
  await page.getByTestId('username-input').fill(username);
  await page.getByTestId('password-input').fill(testPassword);
  await page.getByTestId('sign-in-submit').click();
  await page.getByTestId('me-name').filter({ hasText: username }).waitFor({ timeout });
  await connectionState(page, 'online').waitFor({ timeout });
}

/** The connection indicator, present only while it shows `state`. */
export function connectionState(page: Page, state: string): Locator {
  return page.locator(`[data-testid="connection-status"][data-state="${state}"]`);
}

/** Types a message into the composer and sends it with Enter. */
export async function say(page: Page, text: string): Promise<void> {
  const composer = page.getByTestId('composer-input');
  await composer.fill(text);
  await composer.press('Enter');
}

/** The message list's entry whose text is exactly `text`. */
export function messageWithText(page: Page, text: string): Locator {
  const exact = new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  return page.getByTestId('message').filter({ has: page.getByTestId('message-text').filter({ hasText: exact }) });
}

/** A conversation in the sidebar (a room's name, or the other person's for a direct one). */
export function roomItem(page: Page, name: string): Locator {
  return page.locator(`[data-testid="room-item"][data-room-name="${name}"]`);
}
