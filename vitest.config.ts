import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["{apps,packages}/*/src/**/*.test.ts"],
    // Creates the migrated template database once; each integration test file clones it.
    globalSetup: ["./packages/testing/src/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: integration files start Postgres databases, Redis servers and worker processes.
    maxWorkers: 2,
  },
});
