/** The `createRoom` route on AWS Lambda. */
import { createRoomHandler } from '../../handlers/create-room.ts';
import { webSocketRoute } from '../lambda-handler.ts';

export const handler = webSocketRoute(createRoomHandler);
