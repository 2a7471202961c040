import { defineConfig } from 'vitest/config';

// Only for test/podman-sandbox/run.sh: the real podman inside private namespaces (not in `npm test`).
export default defineConfig({
  test: {
    include: ['test/podman-sandbox/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
