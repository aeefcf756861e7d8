/** The `hello` route on AWS Lambda. */
import { helloHandler } from '../../handlers/hello.ts';
import { webSocketRoute } from '../lambda-handler.ts';

export const handler = webSocketRoute(helloHandler);
