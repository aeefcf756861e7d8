/** The `unpinMessage` route on AWS Lambda. */
import { unpinMessageHandler } from '../../handlers/pin-message.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { connectionPoster } from '../runtime/connection-posts.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(unpinMessageHandler, { store: tableStore, poster: connectionPoster });
