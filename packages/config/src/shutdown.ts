import type { Logger } from "pino";

export type ShutdownStep = { name: string; run: () => Promise<unknown> };

export interface Shutdown {
  /** Steps run in the order they were added. */
  add(name: string, run: () => Promise<unknown>): void;
  /** Runs every step once, in order, within the deadline; later calls return the same promise. */
  run(reason: string): Promise<void>;
  /** Calls run() on SIGTERM and SIGINT, then exits (1 when the deadline passed or a step failed). */
  listen(): void;
}

export function createShutdown(options: { logger: Logger; deadlineMs: number }): Shutdown {
  const steps: ShutdownStep[] = [];
  let running: Promise<boolean> | undefined;

  const runSteps = async (reason: string): Promise<boolean> => {
    options.logger.info({ reason }, "shutting down");
    let clean = true;
    for (const step of steps) {
      try {
        await step.run();
      } catch (err) {
        clean = false;
        options.logger.error({ err, step: step.name }, "shutdown step failed");
      }
    }
    return clean;
  };

  const run = (reason: string): Promise<boolean> => {
    running ??= (async () => {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => {
          options.logger.error({ deadlineMs: options.deadlineMs }, "shutdown deadline passed");
          resolve(false);
        }, options.deadlineMs);
        timer.unref();
      });
      const clean = await Promise.race([runSteps(reason), deadline]);
      clearTimeout(timer);
      return clean;
    })();
    return running;
  };

  return {
    add: (name, fn) => steps.push({ name, run: fn }),
    run: async (reason) => {
      await run(reason);
    },
    listen: () => {
      for (const signal of ["SIGTERM", "SIGINT"] as const) {
        process.once(signal, () => {
          void run(signal).then((clean) => {
            if (clean) options.logger.info("shutdown complete");
            process.exit(clean ? 0 : 1);
          });
        });
      }
    },
  };
}
