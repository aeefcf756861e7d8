/**
 * The API Gateway way of broadcasting (scenario 5), as an app's Lambda does it:
 * the real AWS SDK client, one `PostToConnection` per stored connection id, all
 * started at once and awaited together. Runs in its own process, like a Lambda.
 */
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { stampedPayload } from '../load/payload.ts';

export type CallerCommand = { type: 'broadcast'; id: number; endpoint: string; connectionIds: string[] };
export type CallerReply = { type: 'done'; id: number; failed: number; firstError: string | undefined };

const clients = new Map<string, ApiGatewayManagementApiClient>();

process.on('message', (command: CallerCommand) => {
  void broadcast(command).then((reply) => process.send?.(reply));
});
process.on('disconnect', () => process.exit(0));

async function broadcast({ id, endpoint, connectionIds }: CallerCommand): Promise<CallerReply> {
  let client = clients.get(endpoint);
  if (!client) {
    client = new ApiGatewayManagementApiClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    clients.set(endpoint, client);
  }
  const Data = stampedPayload();
  const results = await Promise.allSettled(
    connectionIds.map((ConnectionId) => client.send(new PostToConnectionCommand({ ConnectionId, Data }))),
  );
  const failures = results.filter((result) => result.status === 'rejected');
  return {
    type: 'done',
    id,
    failed: failures.length,
    firstError: failures[0] ? String((failures[0] as PromiseRejectedResult).reason) : undefined,
  };
}
