import { type Logger, pino } from "pino";

export type { Logger };

export interface CreateLoggerOptions {
  name: string;
  level: string;
  pretty?: boolean;
}

/** Paths never written to logs: credentials arrive in headers and, by mistake, in bodies. */
export const redactedLogPaths = [
  "req.headers.authorization",
  "req.headers.cookie",
  "headers.authorization",
  "authorization",
  "apiKey",
  "api_key",
  "secret",
  "*.apiKey",
  "*.api_key",
  "*.secret",
];

export function createLogger(options: CreateLoggerOptions): Logger {
  return pino({
    name: options.name,
    level: options.level,
    redact: { paths: redactedLogPaths, censor: "[redacted]" },
    ...(options.pretty ? { transport: { target: "pino-pretty", options: { colorize: true } } } : {}),
  });
}
