import type { Reporter, TestModule } from "vitest/node";

// Prints one plain closing line, `N passed, N failed, N skipped`, that CI reads as the test count.
// Before it, the line a test left in `task.meta.summary` (the fuzz suite's case count and seed),
// which would otherwise be lost among the other files' output.
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = unhandledErrors.length;
    let skipped = 0;
    const summaries: string[] = [];
    for (const module of testModules) {
      if (module.state() === "failed" && [...module.children.allTests()].length === 0) failed += 1;
      for (const test of module.children.allTests()) {
        const summary = (test.meta() as { summary?: unknown }).summary;
        if (typeof summary === "string") summaries.push(summary);
        const state = test.result().state;
        if (state === "passed") passed += 1;
        else if (state === "failed") failed += 1;
        else skipped += 1;
      }
    }
    for (const summary of summaries) process.stdout.write(`\n${summary}`);
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
