/**
 * Shared by the browser end-to-end test and the screenshot script: the built
 * client, Debian's Chromium through playwright-core, and signing up through the UI.
 */
import { access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';

export const webRoot = fileURLToPath(new URL('..', import.meta.url));
export const distDir = fileURLToPath(new URL('../dist', import.meta.url));

/** Every wait in the browser tests is bounded by this. */
export const timeout = 10_000;

/** Builds `dist/` with Vite when it is missing (CI builds it before the tests). */
export async function ensureBuilt(): Promise<void> {
  try {
    await access(fileURLToPath(new URL('../dist/index.html', import.meta.url)));
  } catch {
    const { build } = await import('vite');
    await build({ root: webRoot, logLevel: 'silent' });
  }
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
export async function signUp(page: Page, url: string, username: string): Promise<void> {
  await page.goto(url);
  await page.getByTestId('mode-register').click();
  await page.getByTestId('username-input').fill(username);
  await page.getByTestId('password-input').fill('correct horse battery');
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
