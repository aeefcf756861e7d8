import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './components/app.tsx';
import { loadServerConfig } from './server-config.ts';
import { captureInviteLink } from './state/invite-link.ts';
import './styles.css';

// An invite link's token leaves the address bar at once; the chat redeems it once signed in.
captureInviteLink();
// The servers' URLs first (same origin when there is no /config.json).
void loadServerConfig().then(() =>
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <App />
    </StrictMode>,
  ),
);
