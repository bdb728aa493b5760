import { resolve } from 'node:path';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'electron-vite';

/**
 * One build for both hosts: `main` bundles the Electron main process and the headless web
 * host (same core), `preload` the sandboxed bridge, `renderer` the Vue app both hosts serve.
 */
/** `OPS_OUT_DIR` lets parallel builds (several developers, one tree) keep apart; default `out`. */
const out = process.env.OPS_OUT_DIR ?? 'out';

export default defineConfig({
  main: {
    build: {
      outDir: `${out}/main`,
      rollupOptions: {
        input: {
          index: resolve('src-main/electron/main.ts'),
          serve: resolve('src-main/web/serve.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: `${out}/preload`,
      rollupOptions: {
        input: { index: resolve('src-main/electron/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src-renderer',
    plugins: [vue()],
    build: {
      outDir: resolve(out, 'renderer'),
      rollupOptions: { input: resolve('src-renderer/index.html') },
    },
  },
});
