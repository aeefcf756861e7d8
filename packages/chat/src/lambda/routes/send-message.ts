/** The `sendMessage` route on AWS Lambda. */
import { sendMessageHandler } from '../../handlers/send-message.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { connectionPoster } from '../runtime/connection-posts.ts';
import { s3Files } from '../runtime/file-store.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(sendMessageHandler, {
  store: tableStore,
  poster: connectionPoster,
  files: s3Files,
});
