/**
 * Scenario 8, the web client under a message burst: the real chat on the
 * server core serves the built web client; Debian's Chromium (on the load core,
 * like the runner that launches it) signs up and watches `#general` while a
 * guest sends N messages to it over one socket as fast as the server
 * acknowledges them. Meanwhile keys are typed into the page's composer.
 *
 * Reported: how long until the page shows the last message, and how long each
 * key took to reach the screen (key event to the next frame, measured in the
 * page) before and during the burst. With `BENCH_WEB_BASELINE=<dir>` (another
 * build of packages/web, e.g. an older commit's `dist/`), the same run measures
 * that build too, side by side.
 */
import { distDir, ensureBuilt, launchChromium, newPage, signUp } from '@switchboard/web/testing/browser';
import {
  installInputProbe,
  measureBurst,
  percentile,
  roomIdByName,
  sampleInputLatency,
} from '@switchboard/web/testing/burst';
import type { Ratio, ResultRow } from '../report/result.ts';
import { guestToken, startChatProcess } from '../servers/chat-process.ts';
import { type Scenario, timed } from './scenario.ts';

/** Keys typed before the burst, for the idle reference (fewer in the CI smoke run). */
const IDLE_KEYS = 20;
const QUICK_IDLE_KEYS = 5;
/** A build that renders every message on every event needs minutes for 2,000 on one busy core. */
const BURST_TIMEOUT_MS = 900_000;

interface Build {
  server: string;
  label: string;
  webRoot: string;
}

export const browserBurst: Scenario = {
  name: 'browser-burst',
  number: 8,
  title: 'Web client under a message burst (Chromium)',
  run: (options) =>
    timed(options, async () => {
      await ensureBuilt();
      const builds: Build[] = [{ server: 'switchboard', label: 'web client (this build)', webRoot: distDir }];
      const baseline = process.env.BENCH_WEB_BASELINE;
      if (baseline) builds.push({ server: 'baseline', label: 'web client (baseline build)', webRoot: baseline });
      const sizes = options.quick ? [100] : [1_000, 2_000];
      const idleKeys = options.quick ? QUICK_IDLE_KEYS : IDLE_KEYS;
      const rows: ResultRow[] = [];
      const ratios: Ratio[] = [];
      for (const size of sizes) {
        const caseLabel = `${size.toLocaleString('en-US')} messages`;
        const measured = [];
        for (const build of builds) {
          options.log(`browser-burst: ${caseLabel}, ${build.label}`);
          measured.push(await runBurst(caseLabel, size, idleKeys, build));
        }
        rows.push(...measured);
        const [ours, theirs] = measured;
        const mine = ours?.metrics.renderMs;
        const other = theirs?.metrics.renderMs;
        if (theirs?.available && mine !== undefined && other !== undefined && other > 0)
          ratios.push({ case: caseLabel, peer: theirs.server, metric: 'renderMs', value: mine / other });
      }
      return {
        scenario: 'browser-burst',
        number: 8,
        title: browserBurst.title,
        columns: [
          { key: 'renderMs', label: 'burst shown after ms', better: 'lower' },
          { key: 'sendMs', label: 'server acked all after ms' },
          { key: 'idleInputP50Ms', label: 'idle key p50 ms', digits: 1 },
          { key: 'inputP50Ms', label: 'key p50 ms during burst', digits: 1 },
          { key: 'inputMaxMs', label: 'key max ms during burst', digits: 1 },
          { key: 'keys', label: 'keys typed during burst' },
        ],
        primary: 'renderMs',
        rows,
        ratios,
        notes: [
          'The chat server (SQLite) on core 0; Chromium and the sending guest on core 1. Times run from the first send; a key is timed from its key event to the frame after its input event, in the page.',
        ],
      };
    }),
};

async function runBurst(caseLabel: string, size: number, idleKeys: number, build: Build): Promise<ResultRow> {
  const row = { case: caseLabel, server: build.server, label: build.label };
  const chat = await startChatProcess({ webRoot: build.webRoot });
  try {
    const browser = await launchChromium();
    try {
      const page = await newPage(browser);
      await signUp(page, chat.url, 'watcher');
      const token = await guestToken(chat.url);
      const roomId = await roomIdByName(chat.webSocketUrl, token, 'general');
      await page.getByTestId('composer-input').focus();
      await installInputProbe(page);
      const idle = await sampleInputLatency(page, idleKeys);
      const figures = await measureBurst({
        page,
        webSocketUrl: chat.webSocketUrl,
        token,
        roomId,
        count: size,
        prefix: 'burst',
        timeoutMs: BURST_TIMEOUT_MS,
      });
      return {
        ...row,
        available: true,
        metrics: {
          renderMs: figures.renderMs,
          sendMs: figures.sendMs,
          idleInputP50Ms: percentile(idle, 50),
          inputP50Ms: percentile(figures.inputMs, 50),
          inputMaxMs: Math.max(...figures.inputMs),
          keys: figures.typed,
        },
      };
    } finally {
      await browser.close();
    }
  } catch (error) {
    return { ...row, available: false, metrics: {}, note: error instanceof Error ? error.message : String(error) };
  } finally {
    await chat.stop();
  }
}
