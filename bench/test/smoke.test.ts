/**
 * Smoke run of every benchmark scenario at its quick size, against Switchboard
 * and one peer (`ws`) so the side-by-side code keeps working. It asserts only
 * that results are well-formed: speed is never asserted in tests.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ScenarioResult } from '../report/result.ts';
import { renderTable } from '../report/table.ts';
import { SCENARIOS } from '../scenarios/index.ts';

const SERVERS = ['switchboard', 'ws'] as const;

describe('bench scenarios (quick)', () => {
  for (const scenario of SCENARIOS) {
    it(`${scenario.number}. ${scenario.name} produces a well-formed result`, { timeout: 60_000 }, async () => {
      const result = await scenario.run({ quick: true, servers: [...SERVERS], log: () => {} });
      assertWellFormed(result, scenario.name);
      const switchboard = result.rows.filter((row) => row.server === 'switchboard');
      assert.ok(switchboard.length > 0, 'Switchboard has a row');
      for (const row of switchboard) assert.ok(row.available, `Switchboard ran: ${row.note ?? ''}`);
      for (const row of result.rows.filter((candidate) => candidate.available)) {
        const value = row.metrics[result.primary];
        assert.ok(value !== undefined && Number.isFinite(value) && value > 0, `${row.server} has ${result.primary}`);
      }
      if (['fan-out', 'latency', 'idle-memory', 'connection-rate'].includes(scenario.name))
        assert.ok(
          result.ratios.some((ratio) => ratio.peer === 'ws'),
          'a ratio to the ws peer',
        );
      if (scenario.name === 'cross-node') assertCrossNode(result);
      assert.match(renderTable(result), new RegExp(`^### ${scenario.number}\\. `));
    });
  }
});

function assertWellFormed(result: ScenarioResult, name: string): void {
  assert.equal(result.scenario, name);
  assert.equal(result.quick, true);
  assert.ok(
    result.columns.some((column) => column.key === result.primary),
    'the primary metric is a column',
  );
  assert.ok(result.rows.length > 0, 'rows');
  assert.ok(result.machine.cores > 0 && result.machine.node.startsWith('v'), 'machine info');
  assert.ok(!Number.isNaN(Date.parse(result.startedAt)), 'startedAt');
  for (const row of result.rows) {
    assert.equal(typeof row.label, 'string');
    if (!row.available) assert.ok(row.note, 'an unavailable row says why');
    for (const [key, value] of Object.entries(row.metrics)) assert.ok(Number.isFinite(value), `${row.server}.${key}`);
  }
  for (const ratio of result.ratios) assert.ok(Number.isFinite(ratio.value) && ratio.value > 0, 'ratio');
}

/** Scenario 7: the two-node rows carry both nodes' figures, and each case a ratio to one node in the same run. */
function assertCrossNode(result: ScenarioResult): void {
  for (const row of result.rows.filter((candidate) => candidate.server === 'switchboard'))
    for (const key of ['nodeACpuPercent', 'nodeBCpuPercent', 'aP50Ms', 'bP50Ms', 'bP99Ms'])
      assert.ok((row.metrics[key] ?? 0) > 0, `two nodes: ${key}`);
  for (const row of result.rows.filter((candidate) => candidate.server === 'switchboard-1-node'))
    assert.ok(
      result.ratios.some((ratio) => ratio.case === row.case && ratio.peer === 'switchboard-1-node'),
      `a ratio to one node for ${row.case}`,
    );
}
