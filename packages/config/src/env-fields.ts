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
/** A `true` / `false` setting. */
export const booleanSchema = (fallback: boolean) =>
  z
    .enum(["true", "false"])
    .default(fallback ? "true" : "false")
    .transform((v) => v === "true");
/** Pretty logs are for a developer's terminal; production reads JSON lines. */
export const logPrettySchema = booleanSchema(false);
/**
 * Every Redis key and channel the service uses starts with this. It may hold one hash tag
 * (`{upsert}`, `my-{upsert}`): Redis Cluster then puts all of them in that tag's slot, as BullMQ's
 * scripts and the service's multi-key transactions need. No `:` (BullMQ's separator).
 */
export const queuePrefixSchema = z
  .string()
  .max(64)
  .regex(/^[A-Za-z0-9_-]*(\{[A-Za-z0-9_-]+\})?[A-Za-z0-9_-]*$/, {
    error: "letters, digits, _ and - only, with at most one {hash tag} (e.g. {upsert})",
  })
  .min(1)
  .default("upsert");

/** The hash tag of a queue prefix (`upsert` in `{upsert}`), or undefined when it has none. */
export const hashTagOf = (prefix: string): string | undefined => /\{([^{}]+)\}/.exec(prefix)?.[1];

/**
 * `REDIS_CLUSTER_NODES=host:port,host:port`: seed nodes of a Redis Cluster (a few are enough; the
 * client discovers the rest). Unset: the single Redis at `REDIS_URL`.
 */
export const redisClusterNodesSchema = z
  .string()
  .trim()
  .optional()
  .transform((value, ctx) => {
    if (!value) return undefined;
    const nodes: { host: string; port: number }[] = [];
    for (const entry of value.split(",").map((part) => part.trim())) {
      const match = /^(.+):(\d{1,5})$/.exec(entry);
      const port = Number(match?.[2]);
      if (!match?.[1] || port < 1 || port > 65_535) {
        ctx.addIssue({ code: "custom", message: `"${entry}" is not host:port` });
        return z.NEVER;
      }
      nodes.push({ host: match[1].replace(/^\[(.*)\]$/, "$1"), port });
    }
    return nodes;
  });

/**
 * For `.superRefine`: on a cluster the queue prefix must carry a hash tag, or BullMQ's scripts
 * and the multi-key transactions would touch keys in different slots (CROSSSLOT errors).
 */
export function requireClusterHashTag(
  env: { QUEUE_PREFIX: string; REDIS_CLUSTER_NODES?: readonly unknown[] | undefined },
  ctx: z.RefinementCtx,
): void {
  if (env.REDIS_CLUSTER_NODES && !hashTagOf(env.QUEUE_PREFIX))
    ctx.addIssue({
      code: "custom",
      path: ["QUEUE_PREFIX"],
      message: "needs a {hash tag} when REDIS_CLUSTER_NODES is set (e.g. {upsert})",
    });
}
export const positiveIntSchema = (fallback: number) => z.coerce.number().int().positive().default(fallback);
