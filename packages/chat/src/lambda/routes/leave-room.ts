/** The `leaveRoom` route on AWS Lambda. */
import { leaveRoomHandler } from '../../handlers/leave-room.ts';
import { webSocketRoute } from '../lambda-handler.ts';

export const handler = webSocketRoute(leaveRoomHandler);
