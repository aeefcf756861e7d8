/**
 * Child processes pinned to one core. Servers under test run on core 0 and the
 * load processes on core 1, so neither steals the other's cycles (PERFORMANCE.md:
 * every figure there was taken that way). `taskset` execs node in place, so the
 * child keeps the IPC channel and its pid is node's own (read in /proc for CPU).
 */
import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';

export const SERVER_CORE = 0;
export const LOAD_CORE = 1;

let tasksetAvailable: boolean | undefined;

export function hasTaskset(): boolean {
  if (tasksetAvailable === undefined) {
    try {
      execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
      tasksetAvailable = true;
    } catch {
      tasksetAvailable = false;
    }
  }
  return tasksetAvailable;
}

export interface PinnedOptions {
  core: number;
  env?: Record<string, string>;
  /** Extra node flags. `--import tsx` and the workspace's source condition are always given. */
  nodeArgs?: string[];
  args?: string[];
}

/** Starts `node --import tsx <entry>` (workspace packages from their sources) pinned to `core`, with an IPC channel like `fork`. */
export function startPinned(entry: string, { core, env = {}, nodeArgs = [], args = [] }: PinnedOptions): ChildProcess {
  const execArgv = ['--conditions=@switchboard/source', '--import', 'tsx', ...profileArgs(core), ...nodeArgs];
  const childEnv = { ...process.env, ...env };
  if (!hasTaskset())
    return fork(entry, args, { execArgv, env: childEnv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return spawn('taskset', ['-c', String(core), process.execPath, ...execArgv, entry, ...args], {
    env: childEnv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/**
 * With `--profile <dir>` (the runner sets `BENCH_CPU_PROFILE_DIR`), every server
 * process writes a V8 CPU profile there when it exits (`node --cpu-prof`); load
 * processes are never profiled, so the profile is the server's alone.
 */
function profileArgs(core: number): string[] {
  const dir = process.env.BENCH_CPU_PROFILE_DIR;
  return dir && core === SERVER_CORE ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

/** Pins a running process (every thread) to `core`; the runner pins itself to the load core. */
export function pinProcess(pid: number, core: number): void {
  if (hasTaskset()) execFileSync('taskset', ['-a', '-p', '-c', String(core), String(pid)], { stdio: 'ignore' });
}
