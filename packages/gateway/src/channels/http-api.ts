/**
 * The `@channels` HTTP API, beside `@connections` and with its protection and wire
 * format (loopback or SigV4, `x-amzn-ErrorType` + JSON errors, `x-amzn-RequestId`):
 *
 *   POST   /{stage}/@channels/{name}                        publish the raw body -> 200 {"recipients":n}
 *   GET    /{stage}/@channels/{name}                        -> 200 {"channel":name,"count":n,"members":[ids]}
 *   PUT    /{stage}/@channels/{name}/members/{connectionId} subscribe   -> 204
 *   DELETE /{stage}/@channels/{name}/members/{connectionId} unsubscribe -> 204
 *
 * Also without the `/{stage}` prefix and with `%40` for `@`, like `@connections`.
 * Names and ids are percent-decoded (a `/` in a channel name is sent as `%2F`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodePathSegment, type ManagementAccessOptions, serveManagementRequest } from '../management/http-request.ts';
import type { ChannelsClient } from './channels-client.ts';

export interface ChannelsHttpApiOptions extends ManagementAccessOptions {
  onRequest?: (operation: ChannelsOperation, status: number) => void;
}

export type ChannelsOperation = 'Publish' | 'GetChannel' | 'Subscribe' | 'Unsubscribe' | 'Unknown';

const CHANNELS_PATH = /^(?:\/([^/]+))?\/(?:@|%40)channels\/([^/]+)(?:\/(members)\/([^/]+))?\/?$/i;

/** Whether a request path addresses the channels API (so the caller routes it here). */
export function isChannelsPath(path: string): boolean {
  return CHANNELS_PATH.test(path);
}

export function createChannelsHttpApi(
  channels: ChannelsClient,
  options: ChannelsHttpApiOptions,
): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  return async (request, response) => {
    const [, stage, rawName = '', members, rawId = ''] =
      CHANNELS_PATH.exec((request.url ?? '').split('?', 1)[0] ?? '') ?? [];
    const operation = operationOf(request.method, members !== undefined);
    const status = await serveManagementRequest(
      request,
      response,
      options,
      { stage, known: operation !== 'Unknown' },
      async (body) => {
        const channel = decodePathSegment(rawName);
        if (operation === 'Publish')
          return { status: 200, body: { recipients: await channels.publish(channel, body) } };
        if (operation === 'GetChannel') {
          const ids = await channels.members(channel);
          return { status: 200, body: { channel, count: ids.length, members: ids } };
        }
        const connectionId = decodePathSegment(rawId);
        if (operation === 'Subscribe') await channels.subscribe(connectionId, channel);
        else await channels.unsubscribe(connectionId, channel);
        return { status: 204 };
      },
    );
    options.onRequest?.(operation, status);
  };
}

function operationOf(method: string | undefined, member: boolean): ChannelsOperation {
  if (member) return method === 'PUT' ? 'Subscribe' : method === 'DELETE' ? 'Unsubscribe' : 'Unknown';
  return method === 'POST' ? 'Publish' : method === 'GET' ? 'GetChannel' : 'Unknown';
}
