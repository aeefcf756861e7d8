#!/usr/bin/env node
/**
 * Runs the whole test suite (or the test files given as arguments) with node's
 * test runner, and ends with one line `N passed, N failed[, N skipped]`.
 *
 * Before the tests it makes the gateway's local TLS certificate (in
 * `.switchboard/tls`) and starts the runner with NODE_EXTRA_CA_CERTS naming it, so
 * handlers under test can call `https://localhost:<port>/<stage>` as on AWS.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const root = fileURLToPath(new URL('..', import.meta.url));
const tlsDir = join(root, '.switchboard', 'tls');
process.env.SWITCHBOARD_TLS_DIR = tlsDir;
register();
const { ensureLocalCertificate } = await import('../packages/gateway/src/tls/local-certificate.ts');
const { certFile } = await ensureLocalCertificate(tlsDir);

const requested = process.argv.slice(2);
const files = requested.length > 0 ? requested : findTestFiles();

const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=3', '--test-timeout=120000', ...files],
  {
    cwd: root,
    env: { ...process.env, NODE_EXTRA_CA_CERTS: certFile, SWITCHBOARD_TLS_DIR: tlsDir },
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);

const counts = { pass: 0, fail: 0, skipped: 0, todo: 0, cancelled: 0 };
let pending = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  pending += chunk.toString();
  const lines = pending.split('\n');
  pending = lines.pop() ?? '';
  for (const line of lines) countSummaryLine(line);
});
child.on('close', (code) => {
  countSummaryLine(pending);
  const failed = counts.fail + counts.cancelled;
  const skipped = counts.skipped + counts.todo;
  console.log(`${counts.pass} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exit(code ?? 1);
});

function countSummaryLine(line) {
  const match = /^ℹ (pass|fail|skipped|todo|cancelled) (\d+)$/.exec(line.trim());
  if (match) counts[match[1]] = Number(match[2]);
}

function findTestFiles() {
  const found = [];
  for (const base of ['packages', 'bench']) {
    let entries = [];
    try {
      entries = readdirSync(join(root, base), { recursive: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      const path = String(entry);
      if (path.includes('node_modules')) continue;
      if (path.endsWith('.test.ts') || path.endsWith('.test.tsx')) found.push(relative(root, join(root, base, path)));
    }
  }
  return found.sort();
}
