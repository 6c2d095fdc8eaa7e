import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// One build produces everything that runs: Electron's main and preload, the engine worker process,
// the CLI (which also hosts web mode), and the renderer. Tests run against this output, so what is
// tested is what ships.
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      // Bundled rather than loaded from node_modules: zod's ~60 ESM files and ws's CommonJS ones cost
      // `glassbox web` ~90 ms more to resolve and load one by one (issue 8's start-up).
      externalizeDeps: { exclude: ['zod', 'ws'] },
      rollupOptions: {
        // Only `glassbox bench` uses it, from the development install; never bundle a browser driver.
        external: ['playwright-core'],
        input: {
          index: 'electron/main/index.ts',
          'engine-worker': 'electron/engine/worker.ts',
          'trace-worker': 'electron/trace/worker.ts',
          // The store, documents, the API server and the engine's client, off the Electron main thread.
          'services-host': 'electron/services/services-host-entry.ts',
          cli: 'electron/cli/index.ts',
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: 'electron/preload/index.ts' },
        // A sandboxed preload cannot be an ES module.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'renderer',
    plugins: [svelte()],
    build: {
      outDir: 'out/renderer',
      minify: true,
      rollupOptions: { input: 'renderer/index.html' },
    },
  },
});
