/** The link to a file on a message, asked for when a component shows it (`null` until it arrives). */
import type { MessageId } from '@switchboard/chat/api';
import { useEffect, useState } from 'react';
import { useFileApi } from './file-api-context.ts';

export function useFileLink(messageId: MessageId, fileId: string): { url: string | null; failed: boolean } {
  const api = useFileApi();
  const [state, setState] = useState<{ url: string | null; failed: boolean }>({ url: null, failed: false });
  useEffect(() => {
    let live = true;
    api.link(messageId, fileId).then(
      (link) => live && setState({ url: link.url, failed: false }),
      () => live && setState({ url: null, failed: true }),
    );
    return () => {
      live = false;
    };
  }, [api, messageId, fileId]);
  return state;
}
