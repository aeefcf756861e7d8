/**
 * Draws docs/images/benchmarks.svg from bench/results: fan-out deliveries/s at
 * saturation and p99 latency at fixed rates (one bar per server), delivery under
 * network jitter beside Socket.IO (scenario 9), and the chat's persisted
 * messages/s per store (scenario 6), in a grid of two by two.
 *
 *   node --import tsx bench/report/chart.ts [resultsDir] [out.svg]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScenarioResult } from './result.ts';
import { formatNumber } from './table.ts';

const resultsDir = process.argv[2] ?? fileURLToPath(new URL('../results/', import.meta.url));
const out = process.argv[3] ?? fileURLToPath(new URL('../../docs/images/benchmarks.svg', import.meta.url));

const COLORS: Record<string, string> = {
  switchboard: '#1769aa',
  uws: '#6b6b6b',
  ws: '#c77c02',
  socketio: '#8e3b9e',
  'socketio-recovery': '#b36bc2',
  'postgres-1': '#3f8fd2',
  'postgres-2': '#7fb5e3',
};
const PANEL_WIDTH = 500;
const BAR_HEIGHT = 16;
const LABEL_WIDTH = 170;
const PANEL_GAP = 32;

interface Bar {
  group: string;
  server: string;
  label: string;
  value: number;
}

const fanOut = read('fan-out');
const latency = read('latency');
const panels = [
  panel('Fan-out at saturation: deliveries/s (higher is better)', bars(fanOut, 'deliveriesPerSecond'), (value) =>
    formatNumber(value, 0),
  ),
  panel(
    'p99 publish-to-receive latency, ms, log scale (lower is better)',
    bars(latency, 'p99Ms'),
    (value) => formatNumber(value, 2),
    true,
  ),
  panel(
    'Delivery under network jitter: % delivered (higher is better)',
    bars(read('network-jitter'), 'deliveredPercent'),
    (value) => `${formatNumber(value, 1)}%`,
  ),
  panel(
    'Chat, persisted and delivered to 100: msgs/s (higher is better)',
    bars(read('chat'), 'persistedPerSecond'),
    (value) => formatNumber(value, 0),
  ),
];
const rows = [panels.slice(0, 2), panels.slice(2, 4)];
const rowTops = [40, 40 + Math.max(...rows[0]!.map((drawn) => drawn.height)) + PANEL_GAP];
const height = rowTops[1]! + Math.max(...rows[1]!.map((drawn) => drawn.height)) + 10;
const width = PANEL_WIDTH * 2 + 40;
const svg = [
  `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
  '<title>Switchboard benchmarks: fan-out, p99 latency, delivery under jitter and chat throughput</title>',
  `<rect width="100%" height="100%" fill="#ffffff"/>`,
  `<text x="16" y="22" font-size="14" font-weight="bold">Switchboard and peers, one server core (${escapeXml(fanOut.machine.cpu)}, Node ${fanOut.machine.node})</text>`,
  ...rows.flatMap((row, index) =>
    row.map(
      (drawn, column) =>
        `<g transform="translate(${16 + column * (PANEL_WIDTH + 16)},${rowTops[index]})">${drawn.body}</g>`,
    ),
  ),
  '</svg>',
].join('\n');
writeFileSync(out, `${svg}\n`);
console.log(`wrote ${out}`);

function read(name: string): ScenarioResult {
  return JSON.parse(readFileSync(join(resultsDir, `${name}.json`), 'utf8')) as ScenarioResult;
}

function bars(result: ScenarioResult, metric: string): Bar[] {
  return result.rows
    .filter((row) => row.available && row.metrics[metric] !== undefined)
    .map((row) => ({ group: row.case, server: row.server, label: shortLabel(row.label), value: row.metrics[metric]! }));
}

/** The chat rows are all Switchboard's: their label names the store. */
function shortLabel(label: string): string {
  return label.replace(/^Switchboard chat, /, '').replace('connection state recovery', 'state recovery');
}

function panel(
  title: string,
  data: Bar[],
  format: (value: number) => string,
  logScale = false,
): { body: string; height: number } {
  // Latencies span four orders of magnitude between servers; a log scale keeps every bar readable.
  const measure = (value: number): number => (logScale ? Math.log10(1 + value) : value);
  const max = Math.max(...data.map((bar) => measure(bar.value)), 1e-9);
  const scale = (PANEL_WIDTH - LABEL_WIDTH - 80) / max;
  const parts = [`<text x="0" y="0" font-weight="bold">${escapeXml(title)}</text>`];
  let y = 14;
  for (const group of [...new Set(data.map((bar) => bar.group))]) {
    parts.push(`<text x="0" y="${y + 12}" fill="#333">${escapeXml(group)}</text>`);
    y += 18;
    for (const bar of data.filter((candidate) => candidate.group === group)) {
      const length = Math.max(1, measure(bar.value) * scale);
      parts.push(
        `<text x="${LABEL_WIDTH - 6}" y="${y + 12}" text-anchor="end">${escapeXml(bar.label)}</text>`,
        `<rect x="${LABEL_WIDTH}" y="${y}" width="${length.toFixed(1)}" height="${BAR_HEIGHT}" fill="${COLORS[bar.server] ?? '#999'}"/>`,
        `<text x="${(LABEL_WIDTH + length + 4).toFixed(1)}" y="${y + 12}">${format(bar.value)}</text>`,
      );
      y += BAR_HEIGHT + 4;
    }
    y += 10;
  }
  return { body: parts.join('\n'), height: y };
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
