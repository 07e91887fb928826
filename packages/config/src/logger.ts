import { type DestinationStream, type Logger, pino } from "pino";

export type { DestinationStream, Logger };

export interface CreateLoggerOptions {
  name: string;
  level: string;
  pretty?: boolean;
  /** Where log lines go instead of stdout (tests read them). */
  destination?: DestinationStream;
}

/**
 * Paths never written to logs: credentials arrive in headers (the API reads keys only from
 * `Authorization`, but clients also try `X-Api-Key` and cookies) and, by mistake, in bodies.
 */
export const redactedLogPaths = [
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["x-api-key"]',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  "headers.authorization",
  "headers.cookie",
  'headers["x-api-key"]',
  "authorization",
  "apiKey",
  "api_key",
  "secret",
  "*.apiKey",
  "*.api_key",
  "*.secret",
];

export function createLogger(options: CreateLoggerOptions): Logger {
  const settings = {
    name: options.name,
    level: options.level,
    redact: { paths: redactedLogPaths, censor: "[redacted]" },
  };
  if (options.destination) return pino(settings, options.destination);
  return pino({
    ...settings,
    ...(options.pretty ? { transport: { target: "pino-pretty", options: { colorize: true } } } : {}),
  });
}
