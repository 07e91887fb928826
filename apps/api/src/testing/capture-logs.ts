import { createLogger, type Logger } from "@upsert/config";

export interface CapturedLogs {
  logger: Logger;
  /** Every line logged so far, parsed. */
  lines: Record<string, unknown>[];
  /** Every line logged so far, as written. */
  text(): string;
}

/**
 * The project's logger (its redaction included) keeping its lines in memory, for tests that
 * assert on logs.
 */
export function captureLogs(level = "debug"): CapturedLogs {
  const raw: string[] = [];
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    name: "api-test",
    level,
    destination: {
      write(line: string) {
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  });
  return { logger, lines, text: () => raw.join("") };
}
