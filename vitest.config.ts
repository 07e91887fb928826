import { defineConfig } from "vitest/config";

/** Timing tests: they compare latencies under load with idle ones, so they run alone, last. */
const alone = ["apps/worker/src/fairness.int.test.ts"];

export default defineConfig({
  test: {
    // Creates the migrated template database once; each integration test file clones it.
    globalSetup: ["./packages/testing/src/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: "suite",
          include: ["{apps,packages}/*/src/**/*.test.ts"],
          exclude: alone,
          // Two cores: integration files start Postgres databases, Redis servers and worker processes.
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: { name: "alone", include: alone, maxWorkers: 1, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
