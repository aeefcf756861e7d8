/** The `hello` route on AWS Lambda. */
import { helloHandler } from '../../handlers/hello.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(helloHandler, { store: tableStore });
