// Builds the browser console: root ui/, output ui/dist, served by the service at `/`.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const SERVICE = process.env.PATCHRIG_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root,
  base: '/',
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The rig PC runs a current Chromium or Firefox; no legacy transforms.
    target: 'es2022',
    chunkSizeWarningLimit: 600,
  },
  server: {
    // `npx vite --config ui/vite.config.ts` during development, against a running `npm start`.
    // /ws accepts only pages of the service's own origin: the proxy presents that origin.
    proxy: {
      '/api': { target: SERVICE, changeOrigin: true },
      '/ws': { target: SERVICE, ws: true, changeOrigin: true, headers: { origin: SERVICE } },
    },
  },
});
