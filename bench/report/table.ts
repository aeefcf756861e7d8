/** Renders a scenario result as a Markdown table (for the terminal and docs/benchmarks.md). */
import type { ScenarioResult } from './result.ts';

export function renderTable(result: ScenarioResult): string {
  const header = ['case', 'server', ...result.columns.map((column) => column.label)];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of result.rows) {
    const cells = result.columns.map((column) => {
      if (!row.available) return '-';
      const value = row.metrics[column.key];
      return value === undefined ? '-' : formatNumber(value, column.digits ?? 0);
    });
    const label = row.available ? row.label : `${row.label} (not available: ${row.note ?? 'unknown'})`;
    lines.push(`| ${row.case} | ${label} | ${cells.join(' | ')} |`);
  }
  const primary = result.columns.find((column) => column.key === result.primary);
  const out = [`### ${result.number}. ${result.title}${result.quick ? ' (quick)' : ''}`, '', ...lines];
  if (result.ratios.length > 0 && primary) {
    out.push('', `Switchboard ÷ peer, ${primary.label} (${primary.better ?? 'higher'} is better):`, '');
    for (const ratio of result.ratios)
      out.push(`- ${ratio.case}: ÷ ${labelOf(result, ratio.peer)} = ${formatNumber(ratio.value, 2)}x`);
  }
  for (const note of result.notes) out.push('', `> ${note}`);
  return out.join('\n');
}

function labelOf(result: ScenarioResult, server: string): string {
  return result.rows.find((row) => row.server === server)?.label ?? server;
}

export function formatNumber(value: number, digits: number): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
