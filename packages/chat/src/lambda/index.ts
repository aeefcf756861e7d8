/**
 * What a deployment needs to know about the chat's Lambda entry points: which
 * module serves which route, the name of their handler export, and the
 * environment variables they read. The entry modules themselves are bundled by path.
 */
export { LAMBDA_HANDLER_EXPORT, lambdaEntryPoints, routeModuleName } from './entry-points.ts';
export { LambdaEnvironment } from './environment.ts';
