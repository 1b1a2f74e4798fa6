import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Integration and end-to-end tests open real sockets and child processes; two workers
    // match the two cores of the CI machine and keep timings sane.
    maxWorkers: 2,
  },
});
