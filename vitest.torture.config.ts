import { defineConfig } from "vitest/config";

// `pnpm test:torture`: long scenarios against real processes, one at a time (two cores).
// TORTURE_SCALE=short is the shortened form .ci/run uses.
export default defineConfig({
  test: {
    include: ["apps/*/src/**/*.torture.ts"],
    globalSetup: ["./packages/testing/src/global-setup.ts"],
    testTimeout: 60 * 60_000,
    hookTimeout: 120_000,
    maxWorkers: 1,
    fileParallelism: false,
  },
});
