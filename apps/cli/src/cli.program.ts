import type { Db, Prisma } from "@upsert/db";
import { Command, CommanderError } from "commander";
import { type DatabaseTarget, describeExpectedError, summariseUnexpectedError } from "./cli.errors";
import type { CliOutput } from "./cli.output";
import { defaultBatchSize, runImportCommand } from "./commands/import.command";
import { runKeyCreateCommand } from "./commands/key-create.command";
import { runKeyListCommand } from "./commands/key-list.command";
import { runKeyRevokeCommand } from "./commands/key-revoke.command";
import { runOrgCreateCommand } from "./commands/org-create.command";
import { runOrgSetRateLimitCommand } from "./commands/org-set-rate-limit.command";

export interface CliDeps {
  output: CliOutput;
  /** Opened only when a command needs it, so `--help` and usage errors never touch Postgres. */
  openDatabase: () => Db;
  database: DatabaseTarget;
  /** The API `import` sends batches to unless --api-url says otherwise (API_URL). */
  apiUrl: string;
  /** Where `import` draws its progress bar: stderr when it is a terminal. */
  progressStream?: NodeJS.WriteStream;
}

/**
 * Runs the CLI on argv (without the node and script paths) and returns the exit code. Expected
 * failures become one sentence on stderr; only bugs print more.
 */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<number> {
  const { output } = deps;
  let db: Db | undefined;
  let exitCode = 0;
  const withPrisma = async (run: (prisma: Prisma) => Promise<void>) => {
    db ??= deps.openDatabase();
    await run(db.prisma);
  };

  const program = new Command("cli")
    .description("Administers organisations, their rate limits and API keys of the contact upsert service.")
    .exitOverride()
    .configureOutput({ writeOut: (text) => output.out(text), writeErr: (text) => output.err(text) })
    .showSuggestionAfterError(false)
    .allowExcessArguments(false);

  program
    .command("org:create")
    .description("create an organisation and its first API key")
    .requiredOption("--name <name>", "organisation name")
    .option("--json", "print one JSON line: {org_id, api_key}", false)
    .action((opts: { name: string; json: boolean }) =>
      withPrisma((prisma) => runOrgCreateCommand(prisma, opts, output)),
    );

  program
    .command("org:set-rate-limit")
    .description(
      "set an organisation's requests and/or batch items per minute (running APIs apply it within 60 s)",
    )
    .requiredOption("--org <id>", "organisation id")
    .option("--per-minute <n>", 'requests per minute (1-100000), or "default"')
    .option("--items-per-minute <n>", 'batch items per minute (1-10000000), or "default"')
    .option(
      "--json",
      "print one JSON line: {org_id, rate_limit_per_minute, items_rate_limit_per_minute}",
      false,
    )
    .action((opts: { org: string; perMinute?: string; itemsPerMinute?: string; json: boolean }) =>
      withPrisma((prisma) => runOrgSetRateLimitCommand(prisma, opts, output)),
    );

  program
    .command("key:create")
    .description("issue another API key for an organisation")
    .requiredOption("--org <id>", "organisation id")
    .option("--name <name>", "key name", undefined)
    .option("--json", "print one JSON line", false)
    .action((opts: { org: string; name?: string; json: boolean }) =>
      withPrisma((prisma) => runKeyCreateCommand(prisma, opts, output)),
    );

  program
    .command("key:list")
    .description("list an organisation's API keys (prefixes only)")
    .requiredOption("--org <id>", "organisation id")
    .option("--json", "print one JSON line", false)
    .action((opts: { org: string; json: boolean }) =>
      withPrisma((prisma) => runKeyListCommand(prisma, opts, output)),
    );

  program
    .command("key:revoke")
    .description("revoke an API key (running APIs notice within 60 s)")
    .argument("<key-id>", "id of the key to revoke")
    .option("--json", "print one JSON line", false)
    .action((keyId: string, opts: { json: boolean }) =>
      withPrisma((prisma) => runKeyRevokeCommand(prisma, { keyId, json: opts.json }, output)),
    );

  program
    .command("import")
    .description("import contacts from a CSV file through the batch endpoint (POST /v1/contacts/batch)")
    .argument("<file>", "CSV file: a header row of contact field names, one contact per row")
    .requiredOption("--org <id>", "organisation id")
    .option("--api-url <url>", "the API to send to (default: API_URL)", deps.apiUrl)
    .option(
      "--api-key <key>",
      "an API key of the organisation (default: a key issued for this run, revoked at the end)",
    )
    .option("--failed-out <file>", "where failed rows and their errors go (default: <file>.failed.csv)")
    .option(
      "--batch-size <n>",
      "rows per batch (at most the API's BATCH_MAX_ITEMS)",
      String(defaultBatchSize),
    )
    .option("--in-flight <n>", "batches waited on at once", "4")
    .option("--json", "print the summary as one JSON line", false)
    .action(async (file: string, opts: Omit<Parameters<typeof runImportCommand>[1], "file">) => {
      await withPrisma(async (prisma) => {
        exitCode = await runImportCommand(prisma, { ...opts, file }, deps);
      });
    });

  try {
    // pnpm passes a literal "--" through when the user writes `pnpm cli -- <command>`.
    const args = argv[0] === "--" ? argv.slice(1) : argv;
    if (args.length === 0) {
      program.outputHelp({ error: true });
      return 1;
    }
    await program.parseAsync([...args], { from: "user" });
    return exitCode;
  } catch (err) {
    // Commander has already printed its own one-line message (or the help text).
    if (err instanceof CommanderError) return err.exitCode;
    const sentence = describeExpectedError(err, deps.database);
    if (sentence !== null) {
      output.err(`error: ${sentence}`);
    } else {
      output.err(`error: unexpected failure: ${summariseUnexpectedError(err)}`);
    }
    return 1;
  } finally {
    await db?.close();
  }
}
