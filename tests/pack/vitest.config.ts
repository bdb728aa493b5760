import { defineConfig } from 'vitest/config';

// The pack test (`npm run test:pack`): packs the built app with electron-builder against a
// stand-in Electron, so it runs apart from the unit tests and after `npm run build`.
export default defineConfig({
  test: {
    include: ['tests/pack/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
