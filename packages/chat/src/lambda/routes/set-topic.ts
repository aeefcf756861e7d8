/** The `setTopic` route on AWS Lambda. */
import { setTopicHandler } from '../../handlers/set-topic.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { connectionPoster } from '../runtime/connection-posts.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(setTopicHandler, { store: tableStore, poster: connectionPoster });
