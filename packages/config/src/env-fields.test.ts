import { describe, expect, it } from "vitest";
import { z } from "zod";
import { hashTagOf, queuePrefixSchema, redisClusterNodesSchema, requireClusterHashTag } from "./env-fields";

const redisEnvSchema = z
  .object({ QUEUE_PREFIX: queuePrefixSchema, REDIS_CLUSTER_NODES: redisClusterNodesSchema })
  .superRefine(requireClusterHashTag);

describe("QUEUE_PREFIX", () => {
  it("accepts a plain prefix and one with a single {hash tag}", () => {
    for (const prefix of ["upsert", "{upsert}", "prod-{upsert}", "{upsert}-eu"])
      expect(queuePrefixSchema.parse(prefix)).toBe(prefix);
    expect(hashTagOf("prod-{upsert}")).toBe("upsert");
    expect(hashTagOf("upsert")).toBeUndefined();
  });

  it("refuses separators, empty or nested tags, and a second tag", () => {
    for (const prefix of ["up:sert", "{}", "{up{sert}}", "{a}{b}", "up}", "{up", ""])
      expect(queuePrefixSchema.safeParse(prefix).success, prefix).toBe(false);
  });
});

describe("REDIS_CLUSTER_NODES", () => {
  it("reads host:port seed nodes", () => {
    expect(
      redisEnvSchema.parse({ QUEUE_PREFIX: "{upsert}", REDIS_CLUSTER_NODES: "10.0.0.1:7000, redis-b:7001" }),
    ).toEqual({
      QUEUE_PREFIX: "{upsert}",
      REDIS_CLUSTER_NODES: [
        { host: "10.0.0.1", port: 7000 },
        { host: "redis-b", port: 7001 },
      ],
    });
    expect(redisEnvSchema.parse({}).REDIS_CLUSTER_NODES).toBeUndefined();
  });

  it("refuses an entry that is not host:port", () => {
    const result = redisEnvSchema.safeParse({ QUEUE_PREFIX: "{upsert}", REDIS_CLUSTER_NODES: "a:7000,b" });
    expect(result.error?.issues[0]?.message).toBe('"b" is not host:port');
  });

  it("needs a hash tag in the prefix on a cluster, so every key shares one slot", () => {
    const result = redisEnvSchema.safeParse({ QUEUE_PREFIX: "upsert", REDIS_CLUSTER_NODES: "a:7000" });
    expect(result.error?.issues).toMatchObject([
      {
        path: ["QUEUE_PREFIX"],
        message: "needs a {hash tag} when REDIS_CLUSTER_NODES is set (e.g. {upsert})",
      },
    ]);
  });
});
