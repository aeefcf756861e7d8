/** The `pinMessage` route on AWS Lambda. */
import { pinMessageHandler } from '../../handlers/pin-message.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { connectionPoster } from '../runtime/connection-posts.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(pinMessageHandler, { store: tableStore, poster: connectionPoster });
