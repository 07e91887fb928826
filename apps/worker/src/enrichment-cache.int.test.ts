import { randomUUID } from "node:crypto";
import { createLogger } from "@upsert/config";
import {
  type CallOptions,
  createWebhookProvider,
  type PersonQuery,
  type ResilientProvider,
  withResilience,
} from "@upsert/enrichment";
import { createRedis, type Redis } from "@upsert/queue";
import {
  dropQueuePrefix,
  type HttpStandIn,
  startHttpStandIn,
  uniqueQueuePrefix,
  waitFor,
} from "@upsert/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { purgeCachedAnswers, withAnswerCache } from "./enrichment-cache";
import { answerWebhookLikeBuiltin } from "./testing/webhook-answers";

// Issue 9: provider answers about people were cached for 7 days and shared by every organisation.
// The real cache on the machine's Redis (this file's own prefix), in front of a real HTTP provider.

const redisUrl = "redis://127.0.0.1:6379";
const prefix = uniqueQueuePrefix();
let redis: Redis;
let provider: HttpStandIn;

beforeAll(async () => {
  redis = createRedis(redisUrl, "worker");
  provider = await startHttpStandIn(answerWebhookLikeBuiltin);
});

afterAll(async () => {
  await provider?.close();
  redis?.disconnect();
  await dropQueuePrefix(redisUrl, prefix);
});

function cachedProvider(ttlS: number) {
  const resilient = withResilience(createWebhookProvider({ url: provider.url }), {
    timeoutMs: 5_000,
    maxAttempts: 1,
    backoffMs: 10,
    maxBackoffMs: 10,
    maxRetryAfterMs: 10,
    breakerThreshold: 1_000,
    breakerHalfOpenAfterMs: 1_000,
  });
  return withAnswerCache(resilient, {
    redis,
    prefix,
    ttlS,
    logger: createLogger({ name: "cache-test", level: "silent" }),
  });
}

const person = (overrides: Partial<PersonQuery> = {}): PersonQuery => ({
  email: null,
  linkedinUrl: null,
  firstName: null,
  lastName: null,
  domain: null,
  ...overrides,
});

/** Provider calls made by `run` (requests that reached the stand-in). */
async function callsDuring(run: () => Promise<unknown>): Promise<number> {
  const before = provider.requests.length;
  await run();
  return provider.requests.length - before;
}

describe("the enrichment answer cache", () => {
  let cache: ResilientProvider;
  beforeAll(() => {
    cache = cachedProvider(3_600);
  });
  const [orgA, orgB] = [randomUUID(), randomUUID()];
  const as = (orgId: string): CallOptions => ({ orgId });

  it("serves an answer only to the organisation it was fetched for", async () => {
    const ann = person({ email: "ann@isolated.io", domain: "isolated.io" });
    expect(await callsDuring(() => cache.enrichPerson(ann, as(orgA)))).toBe(1);
    expect(await callsDuring(() => cache.enrichPerson(ann, as(orgA)))).toBe(0); // cached for A
    expect(await callsDuring(() => cache.enrichPerson(ann, as(orgB)))).toBe(1); // not A's answer
    expect(await callsDuring(() => cache.enrichPerson(ann, as(orgB)))).toBe(0);
    expect(await callsDuring(() => cache.enrichCompany("isolated.io", as(orgA)))).toBe(1);
    expect(await callsDuring(() => cache.enrichCompany("isolated.io", as(orgB)))).toBe(1);
    expect(await callsDuring(() => cache.enrichCompany("isolated.io", as(orgB)))).toBe(0);
    // Without an organisation nothing is cached at all.
    expect(await callsDuring(() => cache.enrichPerson(ann))).toBe(1);
    expect(await callsDuring(() => cache.enrichPerson(ann))).toBe(1);
  });

  it("keys a person by the whole question: the same email with another name hint is asked again", async () => {
    expect(
      await callsDuring(() =>
        cache.enrichPerson(person({ email: "joe@hint.io", firstName: "Ann" }), as(orgA)),
      ),
    ).toBe(1);
    expect(await callsDuring(() => cache.enrichPerson(person({ email: "joe@hint.io" }), as(orgA)))).toBe(1);
  });

  it("purges one person's answers in one organisation by email, and nobody else's", async () => {
    const eve = person({ email: "eve@purge.io", linkedinUrl: "https://linkedin.com/in/eve-p" });
    const eveHinted = person({ email: "eve@purge.io", firstName: "Eve", domain: "purge.io" });
    const bob = person({ email: "bob@purge.io" });
    for (const query of [eve, eveHinted, bob]) await cache.enrichPerson(query, as(orgA));
    await cache.enrichPerson(eve, as(orgB));

    // Any spelling of the address that normalises the same finds the entries.
    expect(await purgeCachedAnswers({ redis, prefix }, orgA, { email: " Eve@PURGE.io " })).toBe(2);

    expect(await callsDuring(() => cache.enrichPerson(eve, as(orgA)))).toBe(1); // gone: asked again
    expect(await callsDuring(() => cache.enrichPerson(eveHinted, as(orgA)))).toBe(1);
    expect(await callsDuring(() => cache.enrichPerson(bob, as(orgA)))).toBe(0); // another person: kept
    expect(await callsDuring(() => cache.enrichPerson(eve, as(orgB)))).toBe(0); // another org: kept
    expect(await purgeCachedAnswers({ redis, prefix }, orgA, { email: "nobody@purge.io" })).toBe(0);
  });

  it("purges by LinkedIn URL, in any form that canonicalises the same", async () => {
    const lin = person({ linkedinUrl: "https://linkedin.com/in/lin-only", domain: "purge.io" });
    await cache.enrichPerson(lin, as(orgA));
    expect(await callsDuring(() => cache.enrichPerson(lin, as(orgA)))).toBe(0);
    const removed = await purgeCachedAnswers({ redis, prefix }, orgA, {
      linkedinUrl: "https://www.linkedin.com/in/Lin-Only/",
    });
    expect(removed).toBe(1);
    expect(await callsDuring(() => cache.enrichPerson(lin, as(orgA)))).toBe(1);
  });

  it("stores no email or LinkedIn URL in key names, and gives every key the TTL", async () => {
    const keys = await redis.keys(`${prefix}:enrichment-cache:*`);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.filter((key) => /@|linkedin\.com/.test(key))).toEqual([]);
    const ttls = await Promise.all(keys.map((key) => redis.ttl(key)));
    expect(ttls.filter((ttl) => ttl <= 0 || ttl > 3_600)).toEqual([]);
  });
});

it("an answer is asked for again once its TTL has passed", async () => {
  const shortLived = cachedProvider(1);
  const orgId = randomUUID();
  const query = person({ email: "ttl@expiry.io" });
  expect(await callsDuring(() => shortLived.enrichPerson(query, { orgId }))).toBe(1);
  expect(await callsDuring(() => shortLived.enrichPerson(query, { orgId }))).toBe(0);
  const keys = await redis.keys(`${prefix}:enrichment-cache:${orgId}:*`);
  expect(keys.length).toBe(2); // the answer and its email index
  await waitFor(async () => (await redis.exists(...keys)) === 0, {
    timeoutMs: 5_000,
    intervalMs: 100,
    message: "cache entries outlived their TTL",
  });
  expect(await callsDuring(() => shortLived.enrichPerson(query, { orgId }))).toBe(1);
});
