/**
 * `@connections` and channel calls for a connection another node holds: looked up
 * in the directory, sent to the holder over node-rpc.ts, and served there on the
 * holder's in-process clients with the same answers as on one node.
 *
 *   forward ─▶ sbLocate (holder, if live) ─▶ request to P:inbox:{holder} ─▶ its answer
 *   inbox request ─▶ serve() on the local clients ─▶ answer to P:inbox:{asker}
 */
import type { ChannelsClient } from '../channels/channels-client.ts';
import { ClusterError } from '../errors.ts';
import { isWellFormedId } from '../ids.ts';
import type { ManagementClient } from '../management/client.ts';
import { ManagementApiError, ManagementErrorType } from '../management/errors.ts';
import { type ClusterContext, callRedis, messageOf } from './cluster-redis.ts';
import { describeToWire, type ForwardedAnswer, type ForwardedRequest, NodeRpc } from './node-rpc.ts';

export interface RequestForwardingOptions {
  /** The node's in-process clients: what forwarded requests run on. */
  local: { management: ManagementClient; channels: ChannelsClient };
  /** Resolves once the node's membership writes have reached Redis. */
  flushed: () => Promise<void>;
  /** Whether the node may serve: once it has lost its liveness its connections are gone (410). */
  serving: () => boolean;
}

export class RequestForwarding {
  readonly #context: ClusterContext;
  readonly #options: RequestForwardingOptions;
  readonly #rpc: NodeRpc;

  constructor(context: ClusterContext, options: RequestForwardingOptions) {
    this.#context = context;
    this.#options = options;
    this.#rpc = new NodeRpc({
      nodeId: () => context.nodeId,
      inbox: (node) => context.keys.inbox(node),
      publish: (topic, message) => context.commands.publish(topic, message),
      // A node silent for its TTL is taken for stopped anyway.
      timeoutMs: context.options.nodeTtlMs,
      serve: (request, payload) => this.#serve(request, payload),
      logger: context.logger,
    });
  }

  /** Handles a message that arrived in the node's inbox. */
  receive(message: Buffer): void {
    this.#rpc.receive(message);
  }

  /** Resolves every request still waiting as unanswered (the node is stopping). */
  close(): void {
    this.#rpc.close();
  }

  /**
   * Runs a request on the node that holds the connection (callers handle their own
   * connections locally) and resolves its result body. Spec 3.3: an id no live node
   * holds answers 410, as on one node; that includes the connections of a stopped node.
   */
  async forward(request: ForwardedRequest, payload?: Buffer): Promise<unknown> {
    const { keys, commands, nodeId, options } = this.#context;
    if (!isWellFormedId(request.connectionId)) throw new ManagementApiError(ManagementErrorType.badRequest);
    const holder = await callRedis('lookup', () => commands.sbLocate(keys.conn(request.connectionId), keys.prefix));
    if (holder === null || holder === nodeId) throw new ManagementApiError(ManagementErrorType.gone);
    const answer = await callRedis('forward', () => this.#rpc.request(holder, request, payload));
    if (answer === undefined) {
      const alive = await callRedis('lookup', () => commands.exists(keys.node(holder)));
      if (alive === 0) throw new ManagementApiError(ManagementErrorType.gone);
      throw new ClusterError(`Gateway node ${holder} did not answer within ${options.nodeTtlMs} ms`);
    }
    if (answer.ok) return answer.body;
    throw answer.type === undefined
      ? new ClusterError(`Gateway node ${holder} failed: ${answer.message}`)
      : new ManagementApiError(answer.type, answer.message);
  }

  /** Runs a request another node forwarded for a connection of this node. */
  async #serve(request: ForwardedRequest, payload: Buffer): Promise<ForwardedAnswer> {
    const { management, channels } = this.#options.local;
    const input = { ConnectionId: request.connectionId };
    try {
      if (!this.#options.serving()) throw new ManagementApiError(ManagementErrorType.gone);
      switch (request.op) {
        case 'post':
          await management.postToConnection({ ...input, Data: payload });
          return { ok: true };
        case 'get':
          return { ok: true, body: describeToWire(await management.getConnection(input)) };
        case 'delete':
          await management.deleteConnection(input);
          return { ok: true };
        case 'subscribe':
          await channels.subscribe(request.connectionId, request.channel);
          await this.#options.flushed();
          return { ok: true };
        case 'unsubscribe':
          await channels.unsubscribe(request.connectionId, request.channel);
          await this.#options.flushed();
          return { ok: true };
      }
    } catch (error) {
      if (error instanceof ManagementApiError) return { ok: false, type: error.name, message: error.message };
      return { ok: false, type: undefined, message: messageOf(error) };
    }
  }
}
