/**
 * The abuse suite on the AWS deployment: the chat's Lambda entry points (the
 * authorizer and every route) on the gateway, the DynamoDB store on DynamoDB
 * Local with its rate-limit items, and the HTTP API's function called with API
 * Gateway's HTTP API events, whose `sourceIp` is the client's address.
 */
import { after } from 'node:test';
import { createGateway } from '@switchboard/gateway';
import { type ChatRouteKey, chatApiDefinition, chatRouteKeys } from '../../src/api/definition.ts';
import { lambdaEntryPoints } from '../../src/lambda/entry-points.ts';
import { LambdaEnvironment } from '../../src/lambda/environment.ts';
import type { HttpApiEvent, HttpApiResult } from '../../src/lambda/lambda-events.ts';
import { dynamoDbLocalEndpoint, newTable, stopDynamoDbLocal } from '../dynamodb-local.ts';
import { setLambdaEnvironment } from '../lambda-environment.ts';
import { runAbuseSuite } from './abuse-suite.ts';

after(stopDynamoDbLocal);

type EntryHandler = (event: never, context: object) => Promise<unknown>;

async function entryHandler(path: string): Promise<EntryHandler> {
  return ((await import(path)) as { handler: EntryHandler }).handler;
}

runAbuseSuite('DynamoDB (Lambda)', async () => {
  // What the CDK app gives each function, set before the entry modules load.
  setLambdaEnvironment(await dynamoDbLocalEndpoint(), await newTable());
  const routes = Object.fromEntries(
    await Promise.all(chatRouteKeys.map(async (key) => [key, await entryHandler(lambdaEntryPoints.routes[key])])),
  ) as Record<ChatRouteKey, EntryHandler>;
  const gateway = await createGateway(
    chatApiDefinition({ authorizer: await entryHandler(lambdaEntryPoints.authorizer), routes }) as never,
    { port: 0, logger: false },
  );
  const { url, managementPort } = await gateway.listen();
  process.env[LambdaEnvironment.connectionsUrl] = `https://localhost:${managementPort}/ws`;
  const httpApi = (await entryHandler(lambdaEntryPoints.httpApi)) as unknown as (
    event: HttpApiEvent,
    context: object,
  ) => Promise<HttpApiResult>;
  return {
    nodes: [
      {
        webSocketUrl: url,
        async post(path, body, address) {
          const result = await httpApi(
            {
              version: '2.0',
              rawPath: path,
              headers: { 'content-type': 'application/json' },
              body: Buffer.from(JSON.stringify(body)).toString('base64'),
              isBase64Encoded: true,
              requestContext: { http: { method: 'POST', sourceIp: address } },
            },
            {},
          );
          return {
            status: result.statusCode,
            headers: result.headers,
            body: result.body ? JSON.parse(result.body) : undefined,
          };
        },
      },
    ],
    close: () => gateway.close(),
  };
});
