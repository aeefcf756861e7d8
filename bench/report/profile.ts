/**
 * Reads the V8 CPU profiles that `--profile dir` makes the server processes write
 * (`node --cpu-prof`) and summarises each: the hottest frames by self time and by
 * inclusive time, as shares of the samples taken while the process was not idle.
 * A scenario marks what it measures (`markProfileWindow`): then only the samples
 * taken inside those windows count, not the server's start or the setup.
 * Next to each `.cpuprofile` it writes the same samples as folded stacks
 * (`frame;frame;frame count` per line), which flame graph tools (speedscope,
 * inferno, flamegraph.pl) draw as they are; the `.cpuprofile` itself opens in
 * Chrome DevTools.
 */
import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  /** Microseconds on the monotonic clock (`process.hrtime`), the same in every process. */
  startTime: number;
  timeDeltas: number[];
}

interface Window {
  startMicros: number;
  endMicros: number;
}

const WINDOWS_FILE = 'windows.jsonl';

/**
 * Marks `[startMicros, endMicros]` (`nowMicros()`, process.hrtime) as measured,
 * when the run is profiled: the summaries then count only samples inside marked windows.
 */
export function markProfileWindow(startMicros: number, endMicros: number): void {
  const dir = process.env.BENCH_CPU_PROFILE_DIR;
  if (dir) appendFileSync(join(dir, WINDOWS_FILE), `${JSON.stringify({ startMicros, endMicros })}\n`);
}

/** Frames that are not JavaScript work: left out of the shares (but counted in the idle figure). */
const IDLE_FRAMES = new Set(['(idle)', '(root)', '(program)']);
const TOP = 25;

export function summariseProfiles(dir: string): string {
  // `CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile`: thread 0 is the main thread (the others load modules).
  const files = readdirSync(dir).filter((name) => /\.\d+\.0\.\d+\.cpuprofile$/.test(name));
  const windowsFile = join(dir, WINDOWS_FILE);
  const windows = existsSync(windowsFile)
    ? readFileSync(windowsFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Window)
    : [];
  return files.map((name) => summariseProfile(join(dir, name), windows)).join('\n\n');
}

function summariseProfile(file: string, windows: readonly Window[]): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const measured = (at: number): boolean =>
    windows.length === 0 || windows.some((window) => at >= window.startMicros && at <= window.endMicros);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const stackOf = (id: number): string[] => {
    const frames: string[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = frameName(byId.get(at)!);
      if (frame !== '(root)') frames.push(frame);
    }
    return frames.reverse();
  };

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const folded = new Map<string, number>();
  const stacks = new Map<number, string[]>();
  let busy = 0;
  let counted = 0;
  let at = profile.startTime;
  for (const [index, id] of profile.samples.entries()) {
    at += profile.timeDeltas[index] ?? 0;
    if (!measured(at)) continue;
    counted++;
    let stack = stacks.get(id);
    if (!stack) {
      stack = stackOf(id);
      stacks.set(id, stack);
    }
    const leaf = stack[stack.length - 1] ?? '(root)';
    const key = stack.join(';');
    folded.set(key, (folded.get(key) ?? 0) + 1);
    if (IDLE_FRAMES.has(leaf)) continue;
    busy++;
    self.set(leaf, (self.get(leaf) ?? 0) + 1);
    for (const frame of new Set(stack)) inclusive.set(frame, (inclusive.get(frame) ?? 0) + 1);
  }
  writeFileSync(
    file.replace(/\.cpuprofile$/, '.folded'),
    [...folded].map(([stack, count]) => `${stack} ${count}`).join('\n'),
  );

  const table = (title: string, counts: Map<string, number>): string =>
    [
      `| ${title} | share of busy samples |`,
      '|---|---|',
      ...[...counts]
        .sort((a, b) => b[1] - a[1])
        .slice(0, TOP)
        .map(([frame, count]) => `| \`${frame}\` | ${((100 * count) / Math.max(1, busy)).toFixed(1)}% |`),
    ].join('\n');
  const busyShare = (100 * busy) / Math.max(1, counted);
  const scope = windows.length === 0 ? 'the whole run' : 'the measured windows';
  return [
    `CPU profile ${file}: ${counted} samples in ${scope}, ${busyShare.toFixed(0)}% busy`,
    table('hottest frames, self', self),
    table('hottest frames, inclusive', inclusive),
  ].join('\n\n');
}

/** `name file:line`, with the path shortened to what follows `packages/` or `node_modules/`. */
function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName || '(anonymous)';
  if (!url) return name;
  const short = url.replace(/^.*\/(packages|node_modules)\//, '').replace(/^file:\/\//, '');
  return `${name} ${short}:${lineNumber + 1}`;
}
