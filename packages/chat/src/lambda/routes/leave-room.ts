/** The `leaveRoom` route on AWS Lambda. */
import { leaveRoomHandler } from '../../handlers/leave-room.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { connectionPoster } from '../runtime/connection-posts.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(leaveRoomHandler, { store: tableStore, poster: connectionPoster });
