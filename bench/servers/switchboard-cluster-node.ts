/**
 * One Switchboard node of a two-node cluster over Redis (scenario 7). The same
 * definition as the single-node entry without the authorizer (which runs at the
 * handshake only, so fan-out is unaffected), plus the `cluster` option read from
 * `BENCH_CLUSTER_OPTIONS` (JSON). `publish` is `gateway.channels.publish`: local
 * fan-out on this node, then one Redis PUBLISH that the other node fans out.
 */
import { type ClusterOptions, createGateway, type WebSocketHandler } from '@switchboard/gateway';
import { serveBenchmark } from './harness.ts';
import { BENCH_CHANNEL } from './protocol.ts';

const SUBSCRIBE = JSON.stringify({ action: 'subscribe' });

await serveBenchmark(async () => {
  const cluster = JSON.parse(process.env.BENCH_CLUSTER_OPTIONS ?? 'null') as ClusterOptions | null;
  if (!cluster) return 'BENCH_CLUSTER_OPTIONS is not set';
  const subscribe: WebSocketHandler = async (event) => {
    await gateway.channels.subscribe(event.requestContext.connectionId, BENCH_CHANNEL);
    return { statusCode: 200, body: 'subscribed' };
  };
  const gateway = await createGateway(
    {
      stage: 'bench',
      routes: { subscribe: { handler: subscribe, routeResponse: true } },
      limits: { newConnectionsPerSecond: 1_000_000 },
    },
    { port: 0, logger: false, tls: false, cluster },
  );
  // Listening joins the cluster; an unreachable Redis (SB_ERR_CLUSTER) makes the row unavailable.
  const address = await gateway
    .listen()
    .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
  if (address instanceof Error) {
    await gateway.close();
    return address.message;
  }
  return {
    listen: async () => ({
      target: { host: '127.0.0.1', port: address.port, path: '/bench', dialect: 'websocket', hello: SUBSCRIBE },
    }),
    publish(payload) {
      void gateway.channels.publish(BENCH_CHANNEL, payload);
    },
    subscribers: () => gateway.channels.count(BENCH_CHANNEL),
    close: () => gateway.close(),
  };
});
