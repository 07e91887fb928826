import type { Logger } from "@upsert/config";
import { pino } from "pino";

export interface CapturedLogs {
  logger: Logger;
  /** Every line logged so far, parsed. */
  lines: Record<string, unknown>[];
  /** Every line logged so far, as written. */
  text(): string;
}

/** A real pino logger at `debug` that keeps its lines in memory, for tests that assert on logs. */
export function captureLogs(): CapturedLogs {
  const raw: string[] = [];
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: "debug" },
    {
      write(line: string) {
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  );
  return { logger, lines, text: () => raw.join("") };
}
