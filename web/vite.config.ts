import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
/** Where `vite dev` and `vite preview` forward the API and the socket (default: a local gateway on 8080). */
const gateway = process.env.TESSERA_GATEWAY ?? 'http://127.0.0.1:8080';

const proxy = {
  '/api': { target: gateway, changeOrigin: false },
  '/socket.io': { target: gateway, ws: true, changeOrigin: false },
};

export default defineConfig({
  root,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    rolldownOptions: {
      // One entry per page.
      input: {
        main: fileURLToPath(new URL('./index.html', import.meta.url)),
        admin: fileURLToPath(new URL('./admin.html', import.meta.url)),
      },
    },
  },
  server: { proxy },
  preview: { proxy },
});
