/** The `deleteMessage` route on AWS Lambda. */
import { deleteMessageHandler } from '../../handlers/delete-message.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { connectionPoster } from '../runtime/connection-posts.ts';
import { s3Files } from '../runtime/file-store.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(deleteMessageHandler, {
  store: tableStore,
  poster: connectionPoster,
  files: s3Files,
});
