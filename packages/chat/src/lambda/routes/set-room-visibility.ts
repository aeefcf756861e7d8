/** The `setRoomVisibility` route on AWS Lambda. */
import { setRoomVisibilityHandler } from '../../handlers/set-room-visibility.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { connectionPoster } from '../runtime/connection-posts.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(setRoomVisibilityHandler, { store: tableStore, poster: connectionPoster });
