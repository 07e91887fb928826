import type { Logger } from "@upsert/config";
import { findActiveApiKeyByHash, type Prisma, touchApiKeyLastUsed } from "@upsert/db";
import { DomainError, hashApiKeySecret, isWellFormedApiKey } from "@upsert/domain";
import type { RequestHandler } from "express";
import { LRUCache } from "lru-cache";
import { type RateLimits, retryAfterSeconds, setRateLimitHeaders } from "./rate-limit";

export interface AuthContext {
  orgId: string;
  keyId: string;
  /** The org's own requests per minute, cached with the key (null: the deployment's default). */
  rateLimitPerMinute: number | null;
  /** The org's own batch items per minute, cached likewise (null: the deployment's default). */
  itemsRateLimitPerMinute: number | null;
}

export interface ApiKeyAuthenticator {
  /** Resolves a bearer secret to its org, or null when unknown or revoked. */
  authenticate(secret: string): Promise<AuthContext | null>;
  /** The org of a key known from the cache, without any I/O; undefined when not cached. */
  cached(secret: string): AuthContext | undefined;
}

/**
 * Keys are looked up by SHA-256 and cached for `ttlMs`, so Postgres is not queried on every
 * request. The price: a revoked key keeps working on a running API until its entry expires (at
 * most `ttlMs`, which the env schema caps at 60 s). Known and unknown hashes live in two bounded
 * caches: a flood of random keys only churns the unknown one, never evicting a real key (which
 * would send every real request to Postgres), and memory stays bounded however many distinct
 * keys arrive. Each hash costs at most one lookup per TTL while cached, and concurrent requests
 * with one uncached hash share that lookup. The org's rate limit is cached with the key, so a
 * change (`pnpm cli org:set-rate-limit`) takes effect on a running API within `ttlMs` too.
 */
export function createApiKeyAuthenticator(options: {
  prisma: Prisma;
  ttlMs: number;
  logger: Logger;
  /** Entries per cache (default 10,000 each: a few MB at most). */
  maxKnownKeys?: number;
  maxUnknownKeys?: number;
}): ApiKeyAuthenticator {
  const known = new LRUCache<string, AuthContext>({
    max: options.maxKnownKeys ?? 10_000,
    ttl: options.ttlMs,
  });
  const unknown = new LRUCache<string, true>({ max: options.maxUnknownKeys ?? 10_000, ttl: options.ttlMs });
  const inflight = new Map<string, Promise<AuthContext | null>>();

  const load = async (hash: string): Promise<AuthContext | null> => {
    const found = await findActiveApiKeyByHash(options.prisma, hash);
    if (!found) {
      unknown.set(hash, true);
      return null;
    }
    known.set(hash, found);
    // Once per cache period per key: last_used_at is precise to the TTL, which is plenty.
    touchApiKeyLastUsed(options.prisma, found.keyId, new Date()).catch((err: unknown) =>
      options.logger.warn({ err, keyId: found.keyId }, "could not record key use"),
    );
    return found;
  };

  return {
    cached(secret) {
      return isWellFormedApiKey(secret) ? known.get(hashApiKeySecret(secret)) : undefined;
    },
    async authenticate(secret) {
      if (!isWellFormedApiKey(secret)) return null;
      const hash = hashApiKeySecret(secret);
      const cached = known.get(hash);
      if (cached !== undefined) return cached;
      if (unknown.has(hash)) return null;
      let pending = inflight.get(hash);
      if (!pending) {
        pending = load(hash).finally(() => inflight.delete(hash));
        inflight.set(hash, pending);
      }
      return pending;
    },
  };
}

const bearer = /^Bearer\s+(\S+)\s*$/i;

/**
 * Sets `res.locals.auth` and counts the request against its organisation's rate limit (429
 * `rate_limited` over it, with Monaco's X-RateLimit-* headers on every authenticated answer);
 * answers 401 in the contract's envelope otherwise. A key the cache knows costs one Redis round
 * trip (the org's count). Any other request first checks its client address's budget of failed
 * authentications, so guessing keys from one address stops at 429 before reaching Postgres.
 */
export function requireApiKey(authenticator: ApiKeyAuthenticator, limits: RateLimits): RequestHandler {
  return async (req, res, next) => {
    const header = req.get("authorization");
    const secret = header ? bearer.exec(header)?.[1] : undefined;
    let auth = secret === undefined ? undefined : authenticator.cached(secret);
    if (auth === undefined) {
      const address = req.ip ?? req.socket.remoteAddress ?? "unknown";
      const budget = await limits.checkAuthFailures(address);
      if (!budget.allowed) {
        res.set("Retry-After", String(retryAfterSeconds(budget)));
        throw new DomainError(
          "rate_limited",
          "Too many failed authentications from this address. Retry after the Retry-After header's seconds.",
        );
      }
      const found = secret === undefined ? null : await authenticator.authenticate(secret);
      if (found === null) {
        await limits.recordAuthFailure(address);
        throw new DomainError(
          "unauthorized",
          secret === undefined
            ? "Missing API key. Send `Authorization: Bearer mks_...`."
            : "Invalid or revoked API key.",
        );
      }
      auth = found;
    }
    const state = await limits.takeOrgRequest(auth.orgId, auth.rateLimitPerMinute ?? limits.defaultPerMinute);
    setRateLimitHeaders(res, state);
    if (!state.allowed) {
      throw new DomainError(
        "rate_limited",
        `Rate limit of ${state.limit} requests per minute exceeded. Retry after ${retryAfterSeconds(state)} s.`,
      );
    }
    res.locals.auth = auth;
    req.log = req.log?.child({ orgId: auth.orgId });
    next();
  };
}

export function authOf(locals: Record<string, unknown>): AuthContext {
  const auth = locals.auth as AuthContext | undefined;
  if (!auth) throw new Error("route mounted without requireApiKey");
  return auth;
}
