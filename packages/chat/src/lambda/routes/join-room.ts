/** The `joinRoom` route on AWS Lambda. */
import { joinRoomHandler } from '../../handlers/join-room.ts';
import { webSocketRoute } from '../lambda-handler.ts';

export const handler = webSocketRoute(joinRoomHandler);
