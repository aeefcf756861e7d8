/**
 * @switchboard/gateway: an AWS API Gateway WebSocket API you can run anywhere.
 */

export { isValidChannelName } from './channels/channel-name.ts';
export type { ChannelsClient, PublishOptions } from './channels/channels-client.ts';
export type { GatewayCluster } from './cluster/cluster-node.ts';
export type { ClusterOptions } from './cluster/cluster-options.ts';
export { runWorkers, type WorkerHandle, type WorkerInfo } from './cluster/workers.ts';
export { type LoadedConfig, loadConfigFile } from './config/load.ts';
export type * from './definition.ts';
export { ErrorFrameMessage } from './error-frames.ts';
export {
  ClusterError,
  ConfigError,
  type ConfigLocation,
  GatewayError,
  GatewayErrorCode,
  HandlerLoadError,
} from './errors.ts';
export type { EventType, RequestContext, WebSocketEvent } from './events.ts';
export { createGateway, Gateway, type GatewayAddress, type GatewayOptions } from './gateway.ts';
export { HotReload, type HotReloadOptions } from './hot-reload/hot-reload.ts';
export type { FunctionReload } from './integrations/function-loader.ts';
export type {
  LambdaCallback,
  LambdaContext,
  LambdaHandler,
  ProxyResult,
  WebSocketHandler,
} from './integrations/lambda-types.ts';
export type { ManagementClient } from './management/client.ts';
export { ManagementApiError, ManagementErrorType } from './management/errors.ts';
export type { ConnectionDescription } from './management/operations.ts';
export { type OtlpTracing, startOtlpTracing } from './observability/otlp-tracing.ts';
export { TraceAttribute } from './observability/tracing.ts';
export { SLOW_CONSUMER_CLOSE } from './server/outbound.ts';
