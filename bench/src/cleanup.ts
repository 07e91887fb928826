/**
 * What the benchmark started (processes, databases, Redis keys), undone in reverse order once:
 * at the end, on a failure, or on Ctrl-C / SIGTERM.
 */
export interface Cleanup {
  /** Registers an undo step; it runs before the steps registered earlier. */
  add(name: string, undo: () => Promise<unknown>): void;
  /** Runs every step once (later calls return the same promise); failures are reported, not thrown. */
  run(): Promise<void>;
}

export function createCleanup(report: (message: string) => void): Cleanup {
  const steps: { name: string; undo: () => Promise<unknown> }[] = [];
  let running: Promise<void> | undefined;
  return {
    add: (name, undo) => steps.push({ name, undo }),
    run: () => {
      running ??= (async () => {
        for (const step of steps.reverse()) {
          try {
            await step.undo();
          } catch (err) {
            report(`cleanup: ${step.name} failed: ${err instanceof Error ? err.message : String(err)}`);
          }
        }
      })();
      return running;
    },
  };
}

/** Ctrl-C or SIGTERM: clean up, then exit 130 / 143, so nothing is left on the machine. */
export function cleanUpOnSignals(cleanup: Cleanup, report: (message: string) => void): void {
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    process.once(signal, () => {
      report(`\n${signal}: stopping the benchmark's processes and dropping its databases...`);
      void cleanup.run().finally(() => process.exit(code));
    });
  }
}
