import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './components/app.tsx';
import { loadServerConfig } from './server-config.ts';
import './styles.css';

// The servers' URLs first (same origin when there is no /config.json).
void loadServerConfig().then(() =>
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <App />
    </StrictMode>,
  ),
);
