/**
 * What a deployment needs to know about the chat's Lambda entry points: which
 * module serves which route, the name of their handler export, the environment
 * variables they read, the metrics they emit, and the OpenSearch index the
 * opt-in search engine keeps. The entry modules themselves are bundled by path.
 */
export { MESSAGES_INDEX } from '../store/opensearch/message-documents.ts';
export { LAMBDA_HANDLER_EXPORT, lambdaEntryPoints, routeModuleName } from './entry-points.ts';
export { LambdaEnvironment } from './environment.ts';
export {
  type ChatFunctionName,
  type FileAction,
  type FunctionAccess,
  functionAccess,
  type TableAction,
} from './function-access.ts';
export { ChatMetrics } from './metric-names.ts';
