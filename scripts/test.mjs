#!/usr/bin/env node
/**
 * Runs the whole test suite (or the test files given as arguments) with node's
 * test runner, and ends with one line `N passed, N failed[, N skipped]`.
 *
 * Before the tests it makes the gateway's local TLS certificate (in
 * `.switchboard/tls`) and starts the runner with NODE_EXTRA_CA_CERTS naming it, so
 * handlers under test can call `https://localhost:<port>/<stage>` as on AWS.
 * When a test file uses DynamoDB Local, it starts one for the whole run and
 * names it in TEST_DYNAMODB_ENDPOINT (packages/chat/test/dynamodb-local.ts).
 *
 * Workspace packages resolve to their TypeScript sources (the `@switchboard/source`
 * export condition), in the runner and in every process a test starts.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const SOURCE_CONDITION = '--conditions=@switchboard/source';
const root = fileURLToPath(new URL('..', import.meta.url));
const tlsDir = join(root, '.switchboard', 'tls');
process.env.SWITCHBOARD_TLS_DIR = tlsDir;
register();
const { ensureLocalCertificate } = await import('../packages/gateway/src/tls/local-certificate.ts');
const { certFile } = await ensureLocalCertificate(tlsDir);

const requested = process.argv.slice(2);
const files = requested.length > 0 ? requested : findTestFiles();

// One DynamoDB Local (a JVM) for every test file that needs one, instead of one each.
const { SHARED_ENDPOINT_VARIABLE, startDynamoDbLocal } = await import('../packages/chat/test/dynamodb-local.ts');
const dynamoDb = files.some((file) => readFileSync(join(root, file), 'utf8').includes('/dynamodb-local.ts'))
  ? await startDynamoDbLocal()
  : undefined;

// The limit is per test and per file: the heaviest files (a suite against two
// child nodes on DynamoDB Local) take minutes on a busy two-core machine, and
// their own tests carry shorter limits so that a hang names the test that hung.
const TEST_TIMEOUT_MS = 600_000;

const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-reporter=spec',
    '--test-concurrency=3',
    `--test-timeout=${TEST_TIMEOUT_MS}`,
    ...files,
  ],
  {
    cwd: root,
    env: {
      ...process.env,
      NODE_OPTIONS: [process.env.NODE_OPTIONS, SOURCE_CONDITION].filter(Boolean).join(' '),
      NODE_EXTRA_CA_CERTS: certFile,
      SWITCHBOARD_TLS_DIR: tlsDir,
      ...(dynamoDb && { [SHARED_ENDPOINT_VARIABLE]: dynamoDb.endpoint }),
    },
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
child.on('close', async (code) => {
  await dynamoDb?.stop();
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
