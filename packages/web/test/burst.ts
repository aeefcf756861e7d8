/**
 * The browser client under a message burst, measured the same way by the
 * Chromium test (which compares the figures with the page's own idle figures)
 * and by the bench (which reports them):
 *
 * - another real client (Node's `ws`, a second account) sends `count` messages
 *   to a room as fast as the server acknowledges them;
 * - meanwhile keys are typed into the watching page's composer, one after the
 *   other, and the page records for each the time from the key event to the
 *   frame after its `input` event (key to screen, as the user waits for it);
 * - the burst counts as rendered when the page shows the last message.
 */
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import WebSocket from 'ws';

export interface BurstFigures {
  /** From the first send until the server acknowledged the last message. */
  sendMs: number;
  /** From the first send until the page showed the last message. */
  renderMs: number;
  /** Key-to-frame latency of each key typed while the burst was arriving, in order. */
  inputMs: number[];
  /** Keys typed during the burst; the composer must hold all of them. */
  typed: number;
}

export interface SendOptions {
  /** The chat's WebSocket URL (without a token). */
  webSocketUrl: string;
  /** The sender's token (another account, a member of the room). */
  token: string;
  roomId: string;
  count: number;
  /** Message texts are `${prefix} ${n}`, n from 1 to `count`, zero-padded. */
  prefix: string;
  /** Bounds the whole burst. */
  timeoutMs: number;
}

export interface BurstOptions extends SendOptions {
  /** The watching page: signed in, the room open, its composer empty. */
  page: Page;
}

/** The character typed into the composer while measuring. */
export const probeKey = 'x';

/** Messages the sender keeps unacknowledged: a burst, not a trickle. */
const sendWindow = 64;
/** A pause between keys, so the page sees a typist rather than one long event queue. */
const keyGapMs = 30;

/**
 * The key-to-frame probe, as page script text (test code is transpiled with
 * helpers the page does not have, so it is not passed as a function).
 * A key event's `timeStamp` is when the browser created it, before it waited
 * for the page's main thread; the frame showing the character is painted right
 * after the next animation frame's callbacks.
 */
const inputProbeScript = `(() => {
  if (window.__inputProbe) return;
  const state = { samples: [], keyAt: null };
  window.__inputProbe = state;
  const isComposer = (target) => target instanceof HTMLElement && target.dataset.testid === 'composer-input';
  document.addEventListener('keydown', (event) => {
    if (isComposer(event.target)) state.keyAt = event.timeStamp;
  }, true);
  document.addEventListener('input', (event) => {
    const keyAt = state.keyAt;
    if (keyAt === null || !isComposer(event.target)) return;
    state.keyAt = null;
    requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => state.samples.push(performance.now() - keyAt);
      channel.port2.postMessage(null);
    });
  }, true);
})()`;

/** Installs the key-to-frame probe in `page` (once per page load). */
export async function installInputProbe(page: Page): Promise<void> {
  await page.evaluate(inputProbeScript);
}

/** Types `keys` characters into the focused composer, one at a time, and returns their key-to-frame latencies. */
export async function sampleInputLatency(page: Page, keys: number): Promise<number[]> {
  await takeSamples(page);
  for (let i = 0; i < keys; i++) {
    await page.keyboard.type(probeKey);
    await page.waitForTimeout(keyGapMs);
  }
  return waitForSamples(page, keys);
}

/** Sends the burst, types while it arrives, and reports the figures. */
export async function measureBurst(options: BurstOptions): Promise<BurstFigures> {
  const { page, count, prefix, timeoutMs } = options;
  const last = burstText(prefix, count);
  await takeSamples(page);
  const started = performance.now();
  let renderedAt = 0;
  const rendered = page
    .waitForFunction(
      (text) => {
        const texts = document.querySelectorAll('[data-testid="message-list"] [data-testid="message-text"]');
        return texts[texts.length - 1]?.textContent === text;
      },
      last,
      { polling: 'raf', timeout: timeoutMs },
    )
    .then(() => {
      renderedAt = performance.now();
    });
  const sent = sendBurst(options).then(() => performance.now());
  let typed = 0;
  let failure: unknown = null;
  rendered.catch((error: unknown) => {
    failure = error;
  });
  while (renderedAt === 0 && failure === null) {
    await page.keyboard.type(probeKey);
    typed += 1;
    await page.waitForTimeout(keyGapMs);
  }
  await rendered;
  const sentAt = await sent;
  return {
    sendMs: sentAt - started,
    renderMs: renderedAt - started,
    inputMs: await waitForSamples(page, typed),
    typed,
  };
}

/** The id of one of the token's rooms, read from the `welcome` of a short-lived connection. */
export function roomIdByName(webSocketUrl: string, token: string, name: string): Promise<string> {
  const socket = new WebSocket(`${webSocketUrl}?token=${encodeURIComponent(token)}`);
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error('no welcome')), 10_000);
    const finish = (error: Error | null, roomId?: string) => {
      clearTimeout(timer);
      socket.terminate();
      if (error) reject(error);
      else resolve(roomId!);
    };
    socket.on('open', () => socket.send(JSON.stringify({ action: 'hello' })));
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { type: string; rooms?: Array<{ id: string; name: string | null }> };
      if (frame.type !== 'welcome') return;
      const room = frame.rooms?.find((candidate) => candidate.name === name);
      finish(room ? null : new Error(`no room named ${name}`), room?.id);
    });
    socket.on('error', (error) => finish(error));
  });
}

/** The text of message `n` of a burst. */
export function burstText(prefix: string, n: number): string {
  return `${prefix} ${String(n).padStart(5, '0')}`;
}

/** The p-th percentile (0-100) of `values`, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Sends `count` messages over one socket with a window of unacknowledged ones; resolves when all are acknowledged. */
export function sendBurst({ webSocketUrl, token, roomId, count, prefix, timeoutMs }: SendOptions): Promise<void> {
  const socket = new WebSocket(`${webSocketUrl}?token=${encodeURIComponent(token)}`);
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => finish(new Error(`the burst was not acknowledged within ${timeoutMs} ms`)),
      timeoutMs,
    );
    let next = 1;
    let acknowledged = 0;
    /** Client ids are unique per call (and within the 64-character limit, whatever the prefix). */
    const batch = randomUUID();
    const finish = (error?: Error) => {
      clearTimeout(timer);
      socket.terminate();
      if (error) reject(error);
      else resolve();
    };
    const send = (n: number) =>
      socket.send(
        JSON.stringify({
          action: 'sendMessage',
          roomId,
          text: burstText(prefix, n),
          clientMessageId: `${batch}-${n}`,
          requestId: `send:${n}`,
        }),
      );
    socket.on('open', () => {
      while (next <= Math.min(count, sendWindow)) send(next++);
    });
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as {
        type: string;
        requestId?: string;
        code?: string;
        retryAfterMs?: number;
      };
      if (frame.type === 'error') {
        const n = Number(frame.requestId?.slice('send:'.length));
        // A rate limit is not a failure of the client under test: send that message again when allowed.
        if (frame.code === 'RATE_LIMITED' && Number.isInteger(n)) setTimeout(() => send(n), frame.retryAfterMs ?? 100);
        else finish(new Error(`the chat refused a burst message: ${String(data)}`));
        return;
      }
      if (frame.type !== 'ack') return;
      acknowledged += 1;
      if (acknowledged === count) finish();
      else if (next <= count) send(next++);
    });
    socket.on('error', (error) => finish(error));
  });
}

/** Takes (and clears) the samples recorded so far. */
function takeSamples(page: Page): Promise<number[]> {
  return page.evaluate(() => {
    const probe = (window as unknown as { __inputProbe: { samples: number[] } }).__inputProbe;
    return probe.samples.splice(0);
  });
}

/** Waits until `count` samples are recorded (the last key's frame may still be on its way) and takes them. */
async function waitForSamples(page: Page, count: number): Promise<number[]> {
  await page.waitForFunction(
    (expected) =>
      (window as unknown as { __inputProbe: { samples: number[] } }).__inputProbe.samples.length >= expected,
    count,
  );
  return takeSamples(page);
}
