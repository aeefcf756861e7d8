/**
 * Inside a function's worker thread: loads the handler module once (a warm
 * container) and answers invocations from the gateway. Runs with the function's
 * own `process.env`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ExecuteApiInterception } from './execute-api-interception.ts';
import { createLambdaContext, importHandler, invokeHandler } from './lambda.ts';
import type { WorkerData, WorkerReply, WorkerRequest } from './lambda-worker-protocol.ts';
import { SdkV2Endpoints } from './sdk-v2-endpoints.ts';

const port = parentPort;
if (!port) throw new Error('lambda-worker-runtime runs only as a worker thread');
const data = workerData as WorkerData;
const reply = (message: WorkerReply): void => port.postMessage(message);

try {
  const sdkV2 = SdkV2Endpoints.watch();
  const executeApi = ExecuteApiInterception.install();
  const handler = await importHandler(data.reference, data.baseDir, data.functionName);
  port.on('message', (request: WorkerRequest) => {
    if (request.type === 'environment') {
      Object.assign(process.env, request.values);
      sdkV2?.apply();
      return;
    }
    executeApi.observe(request.event);
    const context = createLambdaContext(data.functionName, data.functionArn, data.logStreamName, request.deadline);
    invokeHandler(handler, request.event, context).then(
      (result) => {
        try {
          reply({ type: 'result', id: request.id, result: asLambdaPayload(result) });
        } catch (error) {
          reply({ type: 'error', id: request.id, error: serialiseError(error) });
        }
      },
      (error: unknown) => reply({ type: 'error', id: request.id, error: serialiseError(error) }),
    );
  });
  reply({ type: 'ready' });
} catch (error) {
  reply({ type: 'loadError', error: serialiseError(error) });
}

/**
 * The result as Lambda's Node.js runtime hands it on: JSON (methods and `undefined`
 * members dropped, a `Date` as its ISO text, a `Buffer` as `{type, data}`, `NaN` as
 * `null`), not as the structured clone a worker message would otherwise make. A result
 * JSON cannot write (a `BigInt`, a cycle) fails the invocation, as it does on Lambda.
 */
function asLambdaPayload(result: unknown): unknown {
  const json = JSON.stringify(result);
  return json === undefined ? null : JSON.parse(json);
}

function serialiseError(error: unknown): { name: string; message: string; stack?: string } {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  // Handlers may throw strings: `throw 'Unauthorized'` is a documented authorizer idiom.
  return { name: 'Error', message: String(error) };
}
