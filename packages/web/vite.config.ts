/**
 * Builds the chat's browser client into `dist/`, which the chat server serves at
 * `/`. `npx vite` serves it for development and forwards the API to a chat server
 * on port 8080 (same origin, as in production).
 */
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const chatServer = process.env.CHAT_SERVER ?? 'http://localhost:8080';

export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: {
    proxy: {
      '/api': chatServer,
      '/ws': { target: chatServer, ws: true },
    },
  },
});
