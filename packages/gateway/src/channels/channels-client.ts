/**
 * Channels: the gateway's extension beyond API Gateway, which has no broadcast (an
 * app there loops `@connections` posts, one per recipient). A channel is a named
 * set of connections; a publish frames the message once and writes it to every
 * member. This is the port every implementation meets: in-process today, a cluster
 * over Redis later, so every method is asynchronous.
 *
 * Failures reject with `ManagementApiError`s shaped like the AWS SDK's errors, as
 * `@connections` calls do: `BadRequestException` (400) for an invalid channel name
 * or connection id, `GoneException` (410) for a connection that is not open,
 * `PayloadTooLargeException` (413) for a message over 128 KB.
 *
 * @example
 * ```ts
 * await gateway.channels.subscribe(event.requestContext.connectionId, 'room:lobby');
 * const recipients = await gateway.channels.publish('room:lobby', JSON.stringify(message), {
 *   exceptConnectionId: event.requestContext.connectionId,
 * });
 * ```
 */
export interface ChannelsClient {
  /** Adds an open connection to a channel; subscribing twice is a no-op. */
  subscribe(connectionId: string, channel: string): Promise<void>;
  /**
   * Removes an open connection from a channel; a connection that is not a member
   * is a no-op. Connections leave all their channels by themselves when they close.
   */
  unsubscribe(connectionId: string, channel: string): Promise<void>;
  /**
   * Sends `data` to every member as one message (a text frame, or a binary frame
   * for bytes that are not UTF-8) and resolves with the number of recipients. A
   * channel without members is not an error: it resolves with 0.
   */
  publish(channel: string, data: string | Buffer, options?: PublishOptions): Promise<number>;
  /** The connection ids subscribed to a channel (empty for a channel nobody is in). */
  members(channel: string): Promise<string[]>;
  /** How many connections are subscribed to a channel. */
  count(channel: string): Promise<number>;
}

export interface PublishOptions {
  /** A member that does not get this message, typically the sender. @default undefined */
  exceptConnectionId?: string;
}
