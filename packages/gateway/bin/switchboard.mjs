#!/usr/bin/env node
// The installed package runs its JavaScript build (dist/). In the repository, where
// the TypeScript sources sit beside this file, it runs them through tsx instead, so
// there is no build step while developing.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const fromSources = existsSync(new URL('../src/cli.ts', import.meta.url));
if (fromSources) {
  const { ensureTypeScriptHooks } = await import('../src/typescript-hooks.mjs');
  await ensureTypeScriptHooks();
}
/** @param {string} module a path under src/ without its extension */
const load = (module) =>
  import(new URL(fromSources ? `../src/${module}.ts` : `../dist/${module}.js`, import.meta.url).href);

const args = process.argv.slice(2);
if (args[0] === 'serve') {
  const { relaunchTrustingLocalCertificate } = await load('tls/relaunch-trusting');
  const code = await relaunchTrustingLocalCertificate(fileURLToPath(import.meta.url), args);
  if (code !== undefined) process.exit(code);
}
const { runCli } = await load('cli');
const code = await runCli(args);
if (code !== undefined) process.exitCode = code;
