/**
 * Redeems an invite link opened in this tab (state/invite-link.ts) once the
 * chat has its `welcome` (so the room it opens is not replaced by the
 * welcome's choice): at start, after signing in, or when a link is opened in a
 * tab where the chat already runs (`hashchange`). The room opens on success; a
 * refusal (expired, used up, revoked) shows as a notice.
 */
import { useEffect } from 'react';
import type { ChatConnection } from '../connection/chat-connection.ts';
import type { ChatClient } from '../state/chat-client.ts';
import { captureInviteLink, clearPendingInvite, pendingInvite } from '../state/invite-link.ts';

export function useInviteLink(client: ChatClient, connection: ChatConnection): void {
  useEffect(() => {
    let token = pendingInvite();
    const redeem = () => {
      if (token === null || client.getState().me === null || connection.state !== 'online') return;
      const redeeming = token;
      token = null;
      clearPendingInvite();
      client.redeemInvite(redeeming).catch((error: Error) => client.notify(error.message));
    };
    const opened = () => {
      captureInviteLink();
      token = pendingInvite();
      redeem();
    };
    const stopClient = client.subscribe(redeem);
    const stopState = connection.on('state', redeem);
    window.addEventListener('hashchange', opened);
    redeem();
    return () => {
      stopClient();
      stopState();
      window.removeEventListener('hashchange', opened);
    };
  }, [client, connection]);
}
