import { z } from "zod";

// Fields shared by the apps' env schemas, with defaults that work on a local Postgres and Redis.
export const databaseUrlSchema = z
  .url({ protocol: /^postgres(ql)?$/ })
  .default("postgresql://postgres@127.0.0.1:5432/contact_upsert");
/** A second Postgres URL that is off unless set (DATABASE_READ_URL); empty counts as unset. */
export const optionalDatabaseUrlSchema = z
  .union([z.literal("").transform(() => undefined), z.url({ protocol: /^postgres(ql)?$/ })])
  .optional();
/**
 * DATABASE_PREPARED_STATEMENTS: named statements on the request path. Unset: on, except when the
 * URL says `pgbouncer=true` (see createDb).
 */
export const preparedStatementsSchema = z
  .enum(["true", "false"])
  .optional()
  .transform((v) => (v === undefined ? undefined : v === "true"));
export const redisUrlSchema = z.url({ protocol: /^rediss?$/ }).default("redis://127.0.0.1:6379");
export const logLevelSchema = z
  .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
  .default("info");
/** Pretty logs are for a developer's terminal; production reads JSON lines. */
export const logPrettySchema = z
  .enum(["true", "false"])
  .default("false")
  .transform((v) => v === "true");
export const queuePrefixSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/)
  .default("upsert");
export const positiveIntSchema = (fallback: number) => z.coerce.number().int().positive().default(fallback);
