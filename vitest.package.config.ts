import { defineConfig } from 'vitest/config';

/** `npm run test:package`: the packed package installed and run (slow: build, pack, install). */
export default defineConfig({
  test: {
    include: ['tests/package/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 900_000,
    pool: 'forks',
  },
});
