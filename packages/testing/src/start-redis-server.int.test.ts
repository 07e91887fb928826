import { access } from "node:fs/promises";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { type RedisServer, startRedisServer } from "./start-redis-server";

const servers: RedisServer[] = [];
const clients: Redis[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.disconnect();
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

async function start(appendonly: boolean): Promise<RedisServer> {
  const server = await startRedisServer({ appendonly });
  servers.push(server);
  return server;
}

function connect(server: RedisServer): Redis {
  // No retries: each call must talk to the server as it is right now.
  const client = new Redis(server.url, { maxRetriesPerRequest: 0, lazyConnect: true });
  client.on("error", () => {});
  clients.push(client);
  return client;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("startRedisServer", () => {
  it("keeps an acknowledged write through kill -9 and restart when appendonly is on", async () => {
    const server = await start(true);
    const before = connect(server);
    await before.set("survivor", "yes");
    const killedPid = server.pid;

    await server.kill();
    expect(isRunning(killedPid)).toBe(false);
    await server.restart();

    expect(server.pid).not.toBe(killedPid);
    expect(await connect(server).get("survivor")).toBe("yes");
  });

  it("loses data on kill and restart without appendonly", async () => {
    const server = await start(false);
    await connect(server).set("ephemeral", "yes");

    await server.kill();
    await server.restart();

    expect(await connect(server).get("ephemeral")).toBeNull();
  });

  it("stop ends the process and removes its data directory", async () => {
    const server = await start(true);
    const { pid, dir } = server;

    await server.stop();

    expect(isRunning(pid)).toBe(false);
    await expect(access(dir)).rejects.toThrow();
    await server.stop();
  });
});
