/** The `renameRoom` route on AWS Lambda. */
import { renameRoomHandler } from '../../handlers/rename-room.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { connectionPoster } from '../runtime/connection-posts.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(renameRoomHandler, { store: tableStore, poster: connectionPoster });
