import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The e2e teardown reloads dockerd and restores the host: never cut it short.
    teardownTimeout: 120_000,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          setupFiles: ['test/setup-env.ts'],
          globalSetup: ['test/build-dist.ts'],
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          setupFiles: ['test/setup-env.ts'],
          // Saves every host path the suite may touch, starts it from "no regsetup here", and puts
          // (and checks) it all back at the end: the suite is hermetic (test/e2e/global-setup.ts).
          globalSetup: ['test/e2e/global-setup.ts'],
          // The e2e suites share one dockerd and one /etc/docker: never run them in parallel.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
