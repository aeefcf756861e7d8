/** The `listRooms` route on AWS Lambda. */
import { listRoomsHandler } from '../../handlers/list-rooms.ts';
import { webSocketRoute } from '../lambda-handler.ts';

export const handler = webSocketRoute(listRoomsHandler);
