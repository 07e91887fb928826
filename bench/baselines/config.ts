import { z } from "zod";

export const baselineEnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }),
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  /** JSON object: API key secret → organisation id (the same keys the project's API is given). */
  BASELINE_KEYS: z.string().transform((text) => z.record(z.string(), z.uuid()).parse(JSON.parse(text))),
});
export type BaselineEnv = z.infer<typeof baselineEnvSchema>;

export function parseBaselineEnv(): BaselineEnv {
  const parsed = baselineEnvSchema.safeParse(process.env);
  if (parsed.success) return parsed.data;
  process.stderr.write(`baseline: invalid configuration: ${parsed.error.message}\n`);
  process.exit(1);
}
