/** Process CPU time and memory from /proc (Linux), read from outside the process. */
import { readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_SECOND = 100;

/** User + system CPU seconds the process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at field 3, `state`.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** Measures the CPU share (percent of one core) a process used between `start()` and `stop()`. */
export function cpuMeter(pid: number): { stop(): number } {
  const startedCpu = cpuSeconds(pid);
  const startedAt = performance.now();
  return {
    stop() {
      const elapsed = (performance.now() - startedAt) / 1000;
      return elapsed > 0 ? ((cpuSeconds(pid) - startedCpu) / elapsed) * 100 : 0;
    },
  };
}
