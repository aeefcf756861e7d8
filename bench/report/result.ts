/** The JSON every scenario writes to `bench/results/<scenario>.json`, and what the tables and chart read. */
import { cpus, totalmem } from 'node:os';
import { hasTaskset } from '../support/pinned-process.ts';

export interface Column {
  key: string;
  label: string;
  /** Digits after the point in the table. @default 0 */
  digits?: number;
  better?: 'higher' | 'lower';
}

export interface ResultRow {
  /** What varies inside the scenario (`1,000 subscribers`, `with authorizer`). */
  case: string;
  server: string;
  label: string;
  /** False when the server could not run here; `note` says why. */
  available: boolean;
  metrics: Record<string, number>;
  note?: string;
}

export interface Ratio {
  case: string;
  peer: string;
  metric: string;
  /** Switchboard's value divided by the peer's. */
  value: number;
}

export interface ScenarioResult {
  scenario: string;
  number: number;
  title: string;
  quick: boolean;
  startedAt: string;
  durationMs: number;
  machine: MachineInfo;
  columns: Column[];
  /** The metric ratios are given for. */
  primary: string;
  rows: ResultRow[];
  ratios: Ratio[];
  notes: string[];
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
  pinned: boolean;
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    pinned: hasTaskset(),
  };
}

/** Switchboard's primary metric over each peer's, case by case (its own variants are not peers). */
export function ratiosOf(rows: readonly ResultRow[], metric: string): Ratio[] {
  const ratios: Ratio[] = [];
  for (const row of rows) {
    if (row.server !== 'switchboard' || !row.available) continue;
    const ours = row.metrics[metric];
    // A ratio of a measurement that came out zero or negative (noise) would mean nothing.
    if (ours === undefined || ours <= 0) continue;
    for (const peer of rows) {
      if (peer.case !== row.case || peer.server === 'switchboard' || !peer.available) continue;
      const theirs = peer.metrics[metric];
      if (theirs === undefined || theirs <= 0) continue;
      ratios.push({ case: row.case, peer: peer.server, metric, value: ours / theirs });
    }
  }
  return ratios;
}
