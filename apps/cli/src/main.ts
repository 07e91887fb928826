import { databaseUrlSchema } from "@upsert/config";
import { createDb } from "@upsert/db";
import { describeDatabaseUrl } from "./cli.errors";
import { createProcessOutput } from "./cli.output";
import { runCli } from "./cli.program";

/** The CLI's whole configuration; the only place that reads process.env. */
function parseCliEnv(env: NodeJS.ProcessEnv): { databaseUrl: string } {
  const parsed = databaseUrlSchema.safeParse(env.DATABASE_URL);
  if (parsed.success) return { databaseUrl: parsed.data };
  const lines = parsed.error.issues.map((issue) => `  - DATABASE_URL: ${issue.message}`);
  process.stderr.write(`cli: invalid configuration:\n${lines.join("\n")}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  const { databaseUrl } = parseCliEnv(process.env);
  process.exitCode = await runCli(process.argv.slice(2), {
    output: createProcessOutput(),
    // One connection: every command runs a handful of sequential queries.
    openDatabase: () => createDb(databaseUrl, { maxConnections: 1 }),
    database: describeDatabaseUrl(databaseUrl),
  });
}

await main();
