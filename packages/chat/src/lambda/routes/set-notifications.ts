/** The `setNotifications` route on AWS Lambda. */
import { setNotificationsHandler } from '../../handlers/set-notifications.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { connectionPoster } from '../runtime/connection-posts.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(setNotificationsHandler, { store: tableStore, poster: connectionPoster });
