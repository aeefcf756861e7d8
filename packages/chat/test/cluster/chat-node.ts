/**
 * One chat node in a child process, for tests that kill it: starts
 * `startChatServer` with the JSON options in `CHAT_NODE_OPTIONS`, prints
 * `READY {"url","webSocketUrl","managementUrl"}`, and closes gracefully on SIGTERM.
 */
import { startChatServer } from '../../src/server.ts';

const server = await startChatServer(JSON.parse(process.env.CHAT_NODE_OPTIONS ?? '{}'));
const { url, webSocketUrl, managementUrl } = server;
process.stdout.write(`READY ${JSON.stringify({ url, webSocketUrl, managementUrl })}\n`);
process.once('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
