/**
 * Starts the OpenTelemetry SDK with an OTLP/HTTP exporter, only when the standard
 * variables ask for it: `OTEL_EXPORTER_OTLP_ENDPOINT` (or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), and `OTEL_SDK_DISABLED` not `true`.
 * Everything else follows the SDK's own variables: `OTEL_SERVICE_NAME`,
 * `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_EXPORTER_OTLP_HEADERS` and `OTEL_EXPORTER_OTLP_TIMEOUT`.
 * The export is OTLP/HTTP with JSON bodies, which every collector accepts on its
 * HTTP port (4318), batched with the SDK's defaults (every 5 s, up to 512 spans a
 * request, 2048 queued); every span is sampled.
 *
 * The SDK is imported here, on demand: a process without these variables never
 * loads it, and its hot paths see no tracer at all (observability/tracing.ts).
 */
import { context, type Tracer, trace } from '@opentelemetry/api';

export interface OtlpTracing {
  /** Give this to the gateway (`GatewayOptions.tracer`) and to anything else that traces. */
  readonly tracer: Tracer;
  /** Exports the spans still buffered, then stops. Call it after the server has closed. */
  shutdown(): Promise<void>;
}

/**
 * Returns `undefined` (and loads nothing) unless an OTLP endpoint is configured.
 *
 * @example
 * const tracing = await startOtlpTracing('switchboard-chat');
 * const gateway = await createGateway(definition, { tracer: tracing?.tracer });
 * // ... on shutdown:
 * await gateway.close();
 * await tracing?.shutdown();
 */
export async function startOtlpTracing(
  serviceName: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<OtlpTracing | undefined> {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint || env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  const [
    { AsyncLocalStorageContextManager },
    { BatchSpanProcessor, TracerProvider },
    { OTLPTraceExporter },
    resources,
  ] = await Promise.all([
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  // The default resource names the service `unknown_service:node`; OTEL_SERVICE_NAME (envDetector) still wins.
  const resource = resources.resourceFromAttributes({ 'service.name': serviceName }).merge(
    resources.detectResources({
      detectors: [resources.envDetector, resources.processDetector, resources.hostDetector],
    }),
  );
  const provider = new TracerProvider({
    resource,
    // The exporter reads the endpoint, headers and timeout from the environment itself.
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })],
  });
  // Handlers' own spans find their parent (the integration span) through async context.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  return {
    tracer: provider.getTracer(serviceName),
    shutdown: () => provider.shutdown(),
  };
}
