#!/usr/bin/env node
// Registers tsx first so the CLI runs from its TypeScript sources and `.ts`
// handler and config modules load too (there is no build step).
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/cli.ts');
const code = await runCli(process.argv.slice(2));
if (code !== undefined) process.exitCode = code;
