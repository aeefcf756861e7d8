/** The `createRoom` route on AWS Lambda. */
import { createRoomHandler } from '../../handlers/create-room.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { connectionPoster } from '../runtime/connection-posts.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(createRoomHandler, { store: tableStore, poster: connectionPoster });
