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
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    rollupOptions: {
      // The shared protocol modules only declare values; this lets the bundle drop
      // the ones the client never uses (such as the request models).
      treeshake: { moduleSideEffects: (id) => !id.includes('/packages/chat/src/') },
    },
  },
  server: {
    proxy: {
      '/api': chatServer,
      '/ws': { target: chatServer, ws: true },
    },
  },
});
