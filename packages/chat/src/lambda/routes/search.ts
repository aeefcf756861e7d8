/** The `search` route on AWS Lambda. */
import { searchHandler } from '../../handlers/search.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { searchStore } from '../runtime/search-store.ts';

export const handler = webSocketRoute(searchHandler, { store: searchStore });
