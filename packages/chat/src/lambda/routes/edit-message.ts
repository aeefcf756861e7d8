/** The `editMessage` route on AWS Lambda. */
import { editMessageHandler } from '../../handlers/edit-message.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { connectionPoster } from '../runtime/connection-posts.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(editMessageHandler, { store: tableStore, poster: connectionPoster });
