/**
 * Screenshots of the web client for the README: a two-person conversation in
 * light and dark mode, written to docs/images/chat.png and chat-dark.png.
 *
 *   node --import tsx packages/web/scripts/screenshot.ts
 *
 * Runs the real chat server on a free port with a throwaway data directory and
 * drives Debian's Chromium (the same setup as test/e2e.test.ts).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startChatServer } from '../../chat/src/server.ts';
import {
  distDir,
  ensureBuilt,
  launchChromium,
  messageWithText,
  newPage,
  say,
  signUp,
  timeout,
} from '../test/browser.ts';

const imagesDir = fileURLToPath(new URL('../../../docs/images/', import.meta.url));

const conversation: Array<['ada' | 'grace', string]> = [
  ['ada', 'Morning! Is the gateway release still on for this week?'],
  ['grace', 'Yes. The conformance suite is green on every route, including $connect with the authorizer.'],
  ['grace', 'Ship it on Tuesday?'],
  ['ada', 'Tuesday works. I will write the release notes tonight.'],
  ['grace', 'Perfect. Reconnects look solid too: I restarted the server twice and nothing was lost.'],
];

await ensureBuilt();
const dataDir = await mkdtemp(join(tmpdir(), 'chat-screenshot-'));
const server = await startChatServer({ port: 0, dataDir, webRoot: distDir, logger: false });
const browser = await launchChromium();
try {
  const ada = await newPage(browser);
  const grace = await newPage(browser);
  await ada.setViewportSize({ width: 1280, height: 760 });
  await signUp(ada, server.url, 'ada');
  await signUp(grace, server.url, 'grace');
  for (const [author, text] of conversation) {
    const page = author === 'ada' ? ada : grace;
    await say(page, text);
    await messageWithText(ada, text).waitFor({ timeout });
  }
  // The server relays one `typing` per user and room every 2 s; let the last relay age out.
  await grace.waitForTimeout(2100);
  await grace.getByTestId('composer-input').fill('Sounds');
  await ada.getByTestId('typing-indicator').filter({ hasText: 'grace is typing' }).waitFor({ timeout });
  await ada.getByTestId('composer-input').focus();
  await mkdir(imagesDir, { recursive: true });
  await ada.emulateMedia({ colorScheme: 'light' });
  await ada.screenshot({ path: join(imagesDir, 'chat.png') });
  await ada.emulateMedia({ colorScheme: 'dark' });
  await ada.screenshot({ path: join(imagesDir, 'chat-dark.png') });
  process.stdout.write(`Wrote ${join(imagesDir, 'chat.png')} and chat-dark.png\n`);
} finally {
  await browser.close();
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
}
