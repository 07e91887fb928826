import { databaseUrlSchema } from "@upsert/config";
import { createDb } from "@upsert/db";
import { z } from "zod";
import { describeDatabaseUrl } from "./cli.errors";
import { createProcessOutput } from "./cli.output";
import { runCli } from "./cli.program";

const cliEnvSchema = z.object({
  DATABASE_URL: databaseUrlSchema,
  // Where `import` sends batches by default: the API's own default address.
  API_URL: z
    .url({ error: "API_URL must be a URL like http://127.0.0.1:3000" })
    .default("http://127.0.0.1:3000"),
});

/** The CLI's whole configuration; the only place that reads process.env. */
function parseCliEnv(env: NodeJS.ProcessEnv): { databaseUrl: string; apiUrl: string } {
  const parsed = cliEnvSchema.safeParse(env);
  if (parsed.success) return { databaseUrl: parsed.data.DATABASE_URL, apiUrl: parsed.data.API_URL };
  const lines = parsed.error.issues.map((issue) => `  - ${issue.path.join(".")}: ${issue.message}`);
  process.stderr.write(`cli: invalid configuration:\n${lines.join("\n")}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  const { databaseUrl, apiUrl } = parseCliEnv(process.env);
  process.exitCode = await runCli(process.argv.slice(2), {
    output: createProcessOutput(),
    // One connection: every command runs a handful of sequential queries.
    openDatabase: () => createDb(databaseUrl, { maxConnections: 1 }),
    database: describeDatabaseUrl(databaseUrl),
    apiUrl,
    progressStream: process.stderr.isTTY ? process.stderr : undefined,
  });
}

await main();
