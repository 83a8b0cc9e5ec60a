import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The gateway `/api` is proxied to: `GATEWAY_URL`, default the CLI's `http://127.0.0.1:8000`. */
const gatewayUrl = process.env.GATEWAY_URL ?? 'http://127.0.0.1:8000';

// `npx vite examples/10-use-chat/web`: the page and the gateway share an origin, so the session
// token travels in a header and no CORS setup is needed.
export default defineConfig({
  plugins: [react()],
  server: { proxy: { '/api': { target: gatewayUrl, changeOrigin: true } } },
  preview: { proxy: { '/api': { target: gatewayUrl, changeOrigin: true } } },
});
