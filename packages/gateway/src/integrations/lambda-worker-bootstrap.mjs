// Starts a function's worker thread: TypeScript handler modules load through tsx,
// as they do in the gateway's own process.
import { register } from 'tsx/esm/api';

register();
await import('./lambda-worker-runtime.ts');
