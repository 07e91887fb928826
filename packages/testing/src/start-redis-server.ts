import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { waitFor } from "./wait-for";

export interface StartRedisServerOptions {
  /** Persist every write to an append-only file so kill() + restart() keeps the data (default false). */
  appendonly?: boolean;
}

export interface RedisServer {
  /** redis://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  /** Pid of the current redis-server process (changes on restart()). */
  readonly pid: number;
  /** Data directory (holds the append-only file); removed by stop(). */
  readonly dir: string;
  /** Shuts down gracefully (SIGTERM) and removes the data directory. Safe to call twice. */
  stop(): Promise<void>;
  /** SIGKILL, like a crash: nothing is flushed beyond what is already in the append-only file. */
  kill(): Promise<void>;
  /** Starts again on the same port and directory, so the append-only file is reloaded. */
  restart(): Promise<void>;
}

const startTimeoutMs = 10_000;
const stopTimeoutMs = 10_000;

// Servers still running when the worker process exits (a test that forgot stop()) are killed
// rather than left behind as orphans holding ports.
const runningServers = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Starts a private redis-server on a free port; for tests that need to kill or restart Redis. */
export async function startRedisServer(options: StartRedisServerOptions = {}): Promise<RedisServer> {
  const appendonly = options.appendonly ?? false;
  const dir = await mkdtemp(path.join(tmpdir(), "upsert-redis-"));
  let port: number;
  let child: ChildProcess;
  try {
    ({ port, child } = await spawnOnFreePort({ dir, appendonly }));
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  let current: ChildProcess = child;
  let stopped = false;
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    get pid() {
      return current.pid ?? -1;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await terminate(current, "SIGTERM");
      await rm(dir, { recursive: true, force: true });
    },
    async kill() {
      await terminate(current, "SIGKILL");
    },
    async restart() {
      if (stopped) throw new Error(`Redis on port ${port} was stopped; start a new one instead.`);
      await terminate(current, "SIGTERM");
      current = await spawnRedisServer({ port, dir, appendonly });
    },
  };
  return server;
}

/**
 * Starts redis-server on a free port (another process can take it between probing and binding, so
 * a few ports are tried). `extraArgs` are added to the command line for the chosen port.
 */
export async function spawnOnFreePort(config: {
  dir: string;
  appendonly: boolean;
  extraArgs?: (port: number) => Promise<string[]> | string[];
}): Promise<{ port: number; child: ChildProcess }> {
  for (let attempt = 1; ; attempt += 1) {
    const port = await findFreePort();
    try {
      const extraArgs = (await config.extraArgs?.(port)) ?? [];
      return { port, child: await spawnRedisServer({ ...config, port, extraArgs }) };
    } catch (error) {
      if (attempt >= 3 || !(error instanceof RedisStartError) || !error.portInUse) throw error;
    }
  }
}

class RedisStartError extends Error {
  override readonly name = "RedisStartError";
  constructor(
    message: string,
    readonly portInUse: boolean,
  ) {
    super(message);
  }
}

async function spawnRedisServer(config: {
  port: number;
  dir: string;
  appendonly: boolean;
  extraArgs?: string[];
}): Promise<ChildProcess> {
  const args = [
    "--port",
    String(config.port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    config.appendonly ? "yes" : "no",
    // fsync on every write: a SIGKILL right after a reply must not lose the write the test relies on.
    ...(config.appendonly ? ["--appendfsync", "always"] : []),
    "--dir",
    config.dir,
    "--daemonize",
    "no",
    ...(config.extraArgs ?? []),
  ];
  const child = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
  trackServer(child);

  // Keep the tail of the log for error messages; reading also keeps the pipe from filling up.
  let output = "";
  const keepTail = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4_000);
  };
  child.stdout?.on("data", keepTail);
  child.stderr?.on("data", keepTail);

  let exited = false;
  let spawnError: Error | undefined;
  child.once("exit", () => {
    exited = true;
  });
  child.once("error", (error) => {
    spawnError = error;
    exited = true;
  });

  try {
    await waitFor(
      async () => {
        if (exited) return "exited";
        return (await pingRedis(config.port)) ? "ready" : false;
      },
      {
        timeoutMs: startTimeoutMs,
        intervalMs: 20,
        message: `redis-server on port ${config.port} did not answer PING`,
      },
    );
  } catch (error) {
    await terminate(child, "SIGKILL");
    const reason = error instanceof Error ? error.message : String(error);
    throw new RedisStartError(`${reason}.\n${output}`, false);
  }
  if (exited) {
    const reason = spawnError
      ? `could not run redis-server (${spawnError.message})`
      : "redis-server exited at start";
    throw new RedisStartError(
      `${reason} on port ${config.port}:\n${output}`,
      /address already in use/i.test(output),
    );
  }
  return child;
}

// Signals the process by pid (never by name) and waits until it has exited.
export async function terminate(child: ChildProcess, signal: "SIGTERM" | "SIGKILL"): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  signalProcess(child.pid, signal);
  const timedOut = await Promise.race([
    exited.then(() => false),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(true), stopTimeoutMs).unref()),
  ]);
  if (timedOut) {
    signalProcess(child.pid, "SIGKILL");
    await exited;
  }
}

function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    // ESRCH: it exited on its own between our check and the signal, which is what we wanted.
    if (!(error instanceof Error && "code" in error && error.code === "ESRCH")) throw error;
  }
}

function trackServer(child: ChildProcess): void {
  runningServers.add(child);
  child.once("exit", () => runningServers.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const server of runningServers) if (server.pid !== undefined) signalProcess(server.pid, "SIGKILL");
  });
}

/** A TCP port on 127.0.0.1 that was free a moment ago (another process may still take it). */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("Could not find a free port."));
      });
    });
  });
}

/** True when Redis answers +PONG (not while it is still loading the append-only file). */
function pingRedis(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    let reply = "";
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => finish(false));
    socket.once("error", () => finish(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => {
      reply += chunk.toString();
      if (reply.includes("\r\n")) finish(reply.startsWith("+PONG"));
    });
  });
}
