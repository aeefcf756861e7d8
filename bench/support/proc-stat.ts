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

/** The process's peak resident memory so far (`VmHWM`), in bytes. */
export function peakRssBytes(pid: number): number {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : 0;
}

/** Samples the process's CPU share every `intervalMs`; `stop()` gives the mean and the highest sample (percent of one core). */
export function cpuSampler(pid: number, intervalMs = 250): { stop(): { meanPercent: number; peakPercent: number } } {
  const mean = cpuMeter(pid);
  let lastCpu = cpuSeconds(pid);
  let lastAt = performance.now();
  let peak = 0;
  const timer = setInterval(() => {
    try {
      const cpu = cpuSeconds(pid);
      const at = performance.now();
      // The elapsed time as measured: a timer on a busy core fires late.
      peak = Math.max(peak, ((cpu - lastCpu) / ((at - lastAt) / 1000)) * 100);
      lastCpu = cpu;
      lastAt = at;
    } catch {
      clearInterval(timer);
    }
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return { meanPercent: mean.stop(), peakPercent: peak };
    },
  };
}
