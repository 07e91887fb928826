import { type ChildProcess, spawn } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { findFreePort } from "./start-redis-server";
import { waitFor } from "./wait-for";

export interface StartPgBouncerOptions {
  /** The Postgres server behind it (a URL; only host and port are used). */
  serverUrl: string;
  /** Server connections per database/user pair (PgBouncer's default_pool_size). */
  poolSize?: number;
}

export interface PgBouncer {
  readonly port: number;
  readonly pid: number;
  /** A URL through PgBouncer for a Postgres URL (same user and database, `pgbouncer=true`). */
  urlFor(databaseUrl: string): string;
  /** Runs an admin console command (`SHOW POOLS`, `SHOW SERVERS`, ...) and returns its rows. */
  admin<Row extends pg.QueryResultRow>(command: string): Promise<Row[]>;
  /** The log so far, for failure messages. */
  log(): Promise<string>;
  /** SIGTERM by pid, then waits for the exit (SIGKILL after 10 s); removes its files. Safe twice. */
  stop(): Promise<void>;
}

const pgbouncerBinary = "/usr/sbin/pgbouncer";

/**
 * Starts Debian's pgbouncer (scripts/ensure-pgbouncer.sh installs it) on a free loopback port in
 * transaction pooling mode, with its own ini and userlist in a temporary folder, trusting every
 * user of the userlist (`postgres`), no unix socket. PgBouncer refuses to run as root, so as root
 * it is started as the `postgres` user.
 */
export async function startPgBouncer(options: StartPgBouncerOptions): Promise<PgBouncer> {
  const server = new URL(options.serverUrl);
  const dir = await mkdtemp(path.join(tmpdir(), "upsert-pgbouncer-"));
  const identity = await unprivilegedIdentity();
  const port = await findFreePort();
  const logFile = path.join(dir, "pgbouncer.log");
  await writeFile(path.join(dir, "userlist.txt"), '"postgres" ""\n');
  await writeFile(
    path.join(dir, "pgbouncer.ini"),
    [
      "[databases]",
      `* = host=${server.hostname} port=${server.port || "5432"}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      "unix_socket_dir =",
      "auth_type = trust",
      `auth_file = ${path.join(dir, "userlist.txt")}`,
      "pool_mode = transaction",
      `default_pool_size = ${options.poolSize ?? 5}`,
      "max_client_conn = 1000",
      // pg sends none of these by default; a client that sets them must not be refused.
      "ignore_startup_parameters = extra_float_digits,options",
      "admin_users = postgres",
      `logfile = ${logFile}`,
      "",
    ].join("\n"),
  );
  if (identity) {
    await chmod(dir, 0o777); // its log file is written after it has dropped to `postgres`
  }
  const child: ChildProcess = spawn(pgbouncerBinary, [path.join(dir, "pgbouncer.ini")], {
    stdio: ["ignore", "pipe", "pipe"],
    ...(identity ?? {}),
  });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  let spawnError: Error | undefined;
  child.once("error", (err) => {
    spawnError = err;
  });
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const running = () => child.exitCode === null && child.signalCode === null && !spawnError;

  const adminUrl = `postgresql://postgres@127.0.0.1:${port}/pgbouncer`;
  const admin = async <Row extends pg.QueryResultRow>(command: string): Promise<Row[]> => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      // Without values pg sends the simple protocol, the only one the console speaks.
      return (await client.query<Row>(command)).rows;
    } finally {
      await client.end();
    }
  };

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      if (running() && child.pid !== undefined) {
        process.kill(child.pid, "SIGTERM");
        const timer = setTimeout(() => child.pid !== undefined && child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    })();
    return stopped;
  };
  const log = async () => `${output}${await readFile(logFile, "utf8").catch(() => "")}`.slice(-4_000);

  try {
    await waitFor(
      async () => {
        if (!running()) return "exited";
        return admin("SHOW VERSION").then(
          () => "ready",
          () => false,
        );
      },
      { timeoutMs: 10_000, intervalMs: 50, message: `pgbouncer on port ${port} did not answer` },
    );
    if (!running()) throw new Error(spawnError?.message ?? "pgbouncer exited at start");
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    const tail = await log();
    await stop();
    throw new Error(`Could not start pgbouncer (${reason}):\n${tail}`);
  }

  return {
    port,
    get pid() {
      return child.pid ?? -1;
    },
    urlFor(databaseUrl) {
      const url = new URL(databaseUrl);
      url.hostname = "127.0.0.1";
      url.port = String(port);
      url.searchParams.set("pgbouncer", "true");
      return url.toString();
    },
    admin,
    log,
    stop,
  };
}

/** As root, the uid and gid of `postgres` (from /etc/passwd); otherwise none (run as we are). */
async function unprivilegedIdentity(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = await readFile("/etc/passwd", "utf8");
  const entry = passwd.split("\n").find((line) => line.startsWith("postgres:"));
  const [, , uid, gid] = entry?.split(":") ?? [];
  if (!uid || !gid)
    throw new Error("pgbouncer refuses to run as root, and there is no postgres user to run it as");
  return { uid: Number(uid), gid: Number(gid) };
}
