/** The `findUsers` route on AWS Lambda. */
import { findUsersHandler } from '../../handlers/find-users.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(findUsersHandler, { store: tableStore });
