/** The session's `FileApi` for the components below `ChatScreen`. */
import { createContext, useContext } from 'react';
import type { FileApi } from './file-api.ts';

export const FileApiContext = createContext<FileApi | null>(null);

export function useFileApi(): FileApi {
  const api = useContext(FileApiContext);
  if (api === null) throw new Error('useFileApi() must be used inside <FileApiContext.Provider>.');
  return api;
}
