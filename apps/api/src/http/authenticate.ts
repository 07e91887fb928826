import type { Logger } from "@upsert/config";
import { findActiveApiKeyByHash, type Prisma, touchApiKeyLastUsed } from "@upsert/db";
import { DomainError, hashApiKeySecret, isWellFormedApiKey } from "@upsert/domain";
import type { RequestHandler } from "express";
import { LRUCache } from "lru-cache";

export interface AuthContext {
  orgId: string;
  keyId: string;
}

export interface ApiKeyAuthenticator {
  /** Resolves a bearer secret to its org, or null when unknown or revoked. */
  authenticate(secret: string): Promise<AuthContext | null>;
}

/**
 * Keys are looked up by SHA-256 and cached for `ttlMs`, so Postgres is not queried on every
 * request. The price: a revoked key keeps working on a running API until its entry expires (at
 * most `ttlMs`, which the env schema caps at 60 s). Known and unknown hashes live in two bounded
 * caches: a flood of random keys only churns the unknown one, never evicting a real key (which
 * would send every real request to Postgres), and memory stays bounded however many distinct
 * keys arrive. Each hash costs at most one lookup per TTL while cached, and concurrent requests
 * with one uncached hash share that lookup.
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

/** Sets `res.locals.auth`; answers 401 in the contract's envelope otherwise. */
export function requireApiKey(authenticator: ApiKeyAuthenticator): RequestHandler {
  return async (req, res, next) => {
    const header = req.get("authorization");
    const secret = header ? bearer.exec(header)?.[1] : undefined;
    if (!secret) {
      throw new DomainError("unauthorized", "Missing API key. Send `Authorization: Bearer mks_...`.");
    }
    const auth = await authenticator.authenticate(secret);
    if (!auth) throw new DomainError("unauthorized", "Invalid or revoked API key.");
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
