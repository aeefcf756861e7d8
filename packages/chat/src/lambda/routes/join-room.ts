/** The `joinRoom` route on AWS Lambda. */
import { joinRoomHandler } from '../../handlers/join-room.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { connectionPoster } from '../runtime/connection-posts.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(joinRoomHandler, { store: tableStore, poster: connectionPoster });
