// [readme:vite5]
import { defineConfig } from 'vite';

export default defineConfig({
  // `vite` (dev): serve the package as it is; pre-bundled into .vite/deps/, its .wasm
  // is not found there and the page gets index.html instead ("expected magic word").
  optimizeDeps: { exclude: ['glorycard-wasm'] },
  // `vite build`: the top-level `await init()` needs ES2022; Vite 5's default targets predate it.
  build: { target: 'es2022' },
});
// [/readme:vite5]
