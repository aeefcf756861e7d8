/**
 * Switchboard: the gateway with channels. Clients send `{"action":"subscribe"}`
 * and the `subscribe` route (a Lambda-style handler, answered as a route
 * response) puts the connection in the bench channel; publishing is the
 * in-process `gateway.channels.publish`. With `auth` a REQUEST authorizer checks
 * every handshake: the full stack the targets speak of.
 */
import { createGateway, type Gateway, type GatewayDefinition, type WebSocketHandler } from '@switchboard/gateway';
import { type BenchServer, serveBenchmark } from './harness.ts';
import { BENCH_CHANNEL, BENCH_TOKEN } from './protocol.ts';

const SUBSCRIBE = JSON.stringify({ action: 'subscribe' });

await serveBenchmark(async ({ auth, keepConnectionIds }) => {
  const connectionIds = new Set<string>();
  let gateway: Gateway | undefined;
  const subscribe: WebSocketHandler = async (event) => {
    await gateway?.channels.subscribe(event.requestContext.connectionId, BENCH_CHANNEL);
    return { statusCode: 200, body: 'subscribed' };
  };
  const definition: GatewayDefinition = {
    stage: 'bench',
    routes: { subscribe: { handler: subscribe, routeResponse: true } },
    // The gateway's own connection-rate limit (API Gateway's 500/s) would be what scenario 4 measures.
    limits: { newConnectionsPerSecond: 1_000_000 },
  };
  if (keepConnectionIds) {
    definition.routes.$connect = {
      handler: async (event) => {
        connectionIds.add(event.requestContext.connectionId);
        return { statusCode: 200 };
      },
    };
    definition.routes.$disconnect = {
      handler: async (event) => {
        connectionIds.delete(event.requestContext.connectionId);
        return { statusCode: 200 };
      },
    };
  }
  if (auth) {
    definition.authorizer = {
      identitySource: ['route.request.header.Authorization'],
      handler: async (event: { headers?: Record<string, string>; methodArn: string }) => {
        if (event.headers?.Authorization !== `Bearer ${BENCH_TOKEN}`) throw new Error('Unauthorized');
        return {
          principalId: 'bench',
          policyDocument: {
            Version: '2012-10-17',
            Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
          },
        };
      },
    };
  }
  const live = await createGateway(definition, { port: 0, logger: false, tls: false });
  gateway = live;
  const server: BenchServer = {
    async listen() {
      const address = await live.listen();
      return {
        target: { host: '127.0.0.1', port: address.port, path: '/bench', dialect: 'websocket', hello: SUBSCRIBE },
        managementUrl: address.managementUrl,
      };
    },
    publish(payload) {
      void live.channels.publish(BENCH_CHANNEL, payload);
    },
    subscribers: () => live.channels.count(BENCH_CHANNEL),
    connectionIds: () => [...connectionIds],
    close: () => live.close(),
  };
  return server;
});
