import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // The packed-package test is opt-in (`npm run test:package`, its own config): it builds, packs and
    // installs, and its children must run the compiled files, not the sources this config points them to.
    exclude: ['tests/package/**', '**/node_modules/**'],
    testTimeout: 60_000,
    // Hooks build shared reports (seconds each on an idle machine; many times that on a loaded shared one).
    hookTimeout: 120_000,
    pool: 'forks',
    // The CLI children tests spawn (bin/hmsim.js) run the TypeScript sources, not a build.
    env: { HMSIM_FROM_SOURCE: '1' },
  },
});
