// Starts a function's worker thread. TypeScript hooks are registered when the
// handler is TypeScript, or when this runs from the repository's sources.
import { existsSync } from 'node:fs';
import { workerData } from 'node:worker_threads';
import { ensureTypeScriptHooks, isTypeScriptFile } from '../typescript-hooks.mjs';

const fromSources = existsSync(new URL('./lambda-worker-runtime.ts', import.meta.url));
const reference = String(workerData.reference);
const modulePath = reference.includes('#') ? reference.slice(0, reference.lastIndexOf('#')) : reference;
if (fromSources || isTypeScriptFile(modulePath)) await ensureTypeScriptHooks();
// The build rewrites this to the compiled runtime (.js).
await import('./lambda-worker-runtime.ts');
