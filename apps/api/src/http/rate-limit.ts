import type { Logger } from "@upsert/config";
import type { Redis } from "@upsert/queue";
import type { Response } from "express";
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  RLWrapperTimeouts,
} from "rate-limiter-flexible";

// Monaco limits each organisation to N requests per minute over a sliding window, shared by all
// API replicas. rate-limiter-flexible does the bookkeeping (Redis client handling, the in-memory
// insurance limiter while Redis is unreachable, timeouts); its stock Redis script counts fixed
// windows, so it is given this script, which keeps a sliding log instead: one sorted-set entry
// per request of the last minute, scored by Redis's own clock (replicas' clocks may differ).
// Called by rate-limiter-flexible with KEYS[1] = the key, ARGV = [points to take, window in
// seconds, limit]; it answers {points counted, ms until a slot frees}. A refused request is not
// logged (a client retrying too early does not push its window further out) and answers
// limit + 1 or more, which the library reads as "over the limit". Taking 0 points reads only.
// The library registers its script on the ioredis client under one fixed command name, so every
// RateLimiterRedis sharing this client must use this same script (the stock one would replace it).
const slidingWindowScript = `
local key = KEYS[1]
local take = tonumber(ARGV[1])
local windowMs = tonumber(ARGV[2]) * 1000
local limit = tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - windowMs)
local count = redis.call('ZCARD', key)
local refused = count + take > limit
if not refused and take > 0 then
  for i = 1, take do
    redis.call('ZADD', key, now, time[1] .. time[2] .. '-' .. (count + i))
  end
  count = count + take
  redis.call('PEXPIRE', key, windowMs)
end
local index = 0
if refused then index = count + take - limit - 1 end
local entry = redis.call('ZRANGE', key, index, index, 'WITHSCORES')
local ttl = 0
if entry[2] then ttl = tonumber(entry[2]) + windowMs - now end
if refused then return {count + take, ttl} end
return {count, ttl}
`;

/** The answer to one request: what the X-RateLimit-* headers say. */
export interface RateLimitState {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Milliseconds until the oldest request in the window leaves it (a slot frees up). */
  msBeforeNext: number;
}

export interface RateLimits {
  /** Counts one request of the organisation against `limit` per minute. */
  takeOrgRequest(orgId: string, limit: number): Promise<RateLimitState>;
  /** Counts a batch's `items` against the organisation's `limit` items per minute (all or none). */
  takeOrgItems(orgId: string, items: number, limit: number): Promise<RateLimitState>;
  /** Whether this client address may still try a key, without counting anything. */
  checkAuthFailures(address: string): Promise<RateLimitState>;
  /** Counts one failed authentication of this client address. */
  recordAuthFailure(address: string): Promise<RateLimitState>;
  readonly defaultPerMinute: number;
  readonly defaultItemsPerMinute: number;
}

export interface RateLimitOptions {
  redis: Redis;
  /** Keys live under the deployment's queue prefix, so all its API processes share them. */
  prefix: string;
  logger: Logger;
  /** Requests per minute of an organisation without its own limit (Monaco's: 100). */
  defaultPerMinute: number;
  /** Batch items per minute of an organisation without its own limit (default 100,000). */
  defaultItemsPerMinute?: number;
  /** Failed authentications per minute per client address before it gets 429 (default 20). */
  authFailuresPerMinute: number;
  /** A Redis answer slower than this counts in memory instead (default 250 ms). */
  redisTimeoutMs?: number;
  /** The window's length; Monaco's is a minute (the default), tests shorten it. */
  windowS?: number;
}

/**
 * Redis-backed sliding-window limits with one Redis round trip per counted request. While Redis
 * is unreachable or slow, each API process counts in memory instead (rate-limiter-flexible's
 * insurance limiter, a fixed one-minute window): requests keep being accepted, and an org may
 * then make up to its limit per process.
 */
export function createRateLimits(options: RateLimitOptions): RateLimits {
  // One limiter per distinct limit (the script reads the limit from the limiter): a handful.
  const limiters = new Map<string, RLWrapperTimeouts>();
  let degraded = false;
  const windowS = options.windowS ?? 60;

  const limiterFor = (scope: "org" | "org-items" | "auth-failures", points: number): RLWrapperTimeouts => {
    const name = `${scope}:${points}`;
    let limiter = limiters.get(name);
    if (limiter === undefined) {
      const insuranceLimiter = new RateLimiterMemory({ points, duration: windowS });
      limiter = new RLWrapperTimeouts({
        limiter: new RateLimiterRedis({
          storeClient: options.redis,
          keyPrefix: `${options.prefix}:rate-limit:${scope}`,
          points,
          duration: windowS,
          customIncrTtlLuaScript: slidingWindowScript,
          // Straight to the insurance limiter while disconnected, instead of a failing command.
          rejectIfRedisNotReady: true,
          insuranceLimiter,
        }),
        insuranceLimiter,
        timeoutMs: options.redisTimeoutMs ?? 250,
      });
      limiters.set(name, limiter);
    }
    return limiter;
  };

  const noteRedisState = () => {
    const up = options.redis.status === "ready";
    if (!up && !degraded) {
      options.logger.warn("redis unavailable: rate limits are counted per process until it returns");
    } else if (up && degraded) {
      options.logger.info("redis available again: rate limits are shared again");
    }
    degraded = !up;
  };

  const take = async (limiter: RLWrapperTimeouts, key: string, points: number, limit: number) => {
    noteRedisState();
    try {
      return stateOf(await limiter.consume(key, points), limit, true);
    } catch (err) {
      // Refused: what was counted before this take is what remains spendable.
      if (err instanceof RateLimiterRes) return stateOf(err, limit, false, points);
      // Neither Redis nor the insurance limiter answered: accept rather than refuse (intake is
      // durable in Postgres without Redis), and say so.
      options.logger.error({ err }, "rate limit could not be counted");
      return { allowed: true, limit, remaining: limit, msBeforeNext: 0 };
    }
  };

  const failures = options.authFailuresPerMinute;
  return {
    defaultPerMinute: options.defaultPerMinute,
    defaultItemsPerMinute: options.defaultItemsPerMinute ?? 100_000,
    takeOrgRequest: (orgId, limit) => take(limiterFor("org", limit), orgId, 1, limit),
    takeOrgItems: (orgId, items, limit) => take(limiterFor("org-items", limit), orgId, items, limit),
    async checkAuthFailures(address) {
      const state = await take(limiterFor("auth-failures", failures), address, 0, failures);
      // Reading takes nothing, so only a full budget means "no more tries".
      return state.remaining > 0 ? state : { ...state, allowed: false };
    },
    recordAuthFailure: (address) => take(limiterFor("auth-failures", failures), address, 1, failures),
  };
}

function stateOf(res: RateLimiterRes, limit: number, allowed: boolean, refusedPoints = 0): RateLimitState {
  const remaining = allowed ? res.remainingPoints : limit - (res.consumedPoints - refusedPoints);
  return {
    allowed,
    limit,
    remaining: Math.max(0, Math.min(limit, remaining)),
    msBeforeNext: Math.max(0, res.msBeforeNext),
  };
}

/** Seconds a refused client should wait: at least 1, as Retry-After has no fractions. */
export function retryAfterSeconds(state: RateLimitState): number {
  return Math.max(1, Math.ceil(state.msBeforeNext / 1_000));
}

/** Monaco's signal headers: limit, remaining, and the Unix time (s) the window next frees a slot. */
export function setRateLimitHeaders(res: Response, state: RateLimitState, now = Date.now()): void {
  res.set({
    "X-RateLimit-Limit": String(state.limit),
    "X-RateLimit-Remaining": String(state.remaining),
    "X-RateLimit-Reset": String(Math.ceil((now + state.msBeforeNext) / 1_000)),
  });
  if (!state.allowed) res.set("Retry-After", String(retryAfterSeconds(state)));
}

/** The same for the batch items limit: `X-RateLimit-Items-Limit`, `-Remaining`, `-Reset`. */
export function setItemsRateLimitHeaders(res: Response, state: RateLimitState, now = Date.now()): void {
  res.set({
    "X-RateLimit-Items-Limit": String(state.limit),
    "X-RateLimit-Items-Remaining": String(state.remaining),
    "X-RateLimit-Items-Reset": String(Math.ceil((now + state.msBeforeNext) / 1_000)),
  });
  if (!state.allowed) res.set("Retry-After", String(retryAfterSeconds(state)));
}
