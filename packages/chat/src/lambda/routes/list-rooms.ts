/** The `listRooms` route on AWS Lambda. */
import { listRoomsHandler } from '../../handlers/list-rooms.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(listRoomsHandler, { store: tableStore });
