/**
 * The chat's own descriptions that the infrastructure is built from, in one
 * place: the WebSocket API definition, the table design, the HTTP routes, the
 * Lambda entry modules and the variables they read. Nothing here is repeated in
 * the stack.
 */
import { fileURLToPath } from 'node:url';

export { HttpRoute } from '@switchboard/chat/api';
export { type ChatApiDefinition, type ChatRouteKey, chatApiDefinition } from '@switchboard/chat/definition';
export { chatTable, MESSAGE_KEY_PREFIXES } from '@switchboard/chat/dynamodb/table';
export {
  type ChatFunctionName,
  ChatMetrics,
  type FileAction,
  type FunctionAccess,
  functionAccess,
  LAMBDA_HANDLER_EXPORT,
  LambdaEnvironment,
  lambdaEntryPoints,
  MESSAGES_INDEX,
  type TableAction,
} from '@switchboard/chat/lambda';

/** The monorepo root: esbuild's project root and where the lock file is. */
export const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** The built web client (`npm run build --workspace @switchboard/web`). */
export const defaultWebRoot = fileURLToPath(new URL('../../web/dist', import.meta.url));
