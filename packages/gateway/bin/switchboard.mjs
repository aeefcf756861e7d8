#!/usr/bin/env node
// Registers tsx first so the CLI runs from its TypeScript sources and `.ts`
// handler and config modules load too (there is no build step).
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const args = process.argv.slice(2);
if (args[0] === 'serve') {
  const { relaunchTrustingLocalCertificate } = await import('../src/tls/relaunch-trusting.ts');
  const code = await relaunchTrustingLocalCertificate(fileURLToPath(import.meta.url), args);
  if (code !== undefined) process.exit(code);
}
const { runCli } = await import('../src/cli.ts');
const code = await runCli(args);
if (code !== undefined) process.exitCode = code;
