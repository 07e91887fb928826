import type { z } from "zod";

/**
 * Parses the environment once, in an app's main.ts. On failure prints every problem and exits 1,
 * so a misconfigured deployment stops at start-up instead of misbehaving later.
 */
export function parseEnv<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv, app: string): z.infer<T> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map(
    (issue) => `  - ${issue.path.join(".") || "(env)"}: ${issue.message}`,
  );
  process.stderr.write(`${app}: invalid configuration:\n${lines.join("\n")}\n`);
  process.exit(1);
}
