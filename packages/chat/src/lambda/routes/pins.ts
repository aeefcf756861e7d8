/** The `pins` route on AWS Lambda. */
import { pinsHandler } from '../../handlers/pins.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(pinsHandler, { store: tableStore });
