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
 * Keys are looked up by SHA-256 and cached (hits and misses) for `ttlMs`, so Postgres is not
 * queried on every request. The price: a revoked key keeps working on a running API until its
 * entry expires (at most `ttlMs`, which the env schema caps at 60 s).
 */
export function createApiKeyAuthenticator(options: {
  prisma: Prisma;
  ttlMs: number;
  logger: Logger;
}): ApiKeyAuthenticator {
  const cache = new LRUCache<string, AuthContext | "none">({ max: 10_000, ttl: options.ttlMs });
  const inflight = new Map<string, Promise<AuthContext | null>>();

  const load = async (hash: string): Promise<AuthContext | null> => {
    const found = await findActiveApiKeyByHash(options.prisma, hash);
    cache.set(hash, found ?? "none");
    if (found) {
      // Once per cache period per key: last_used_at is precise to the TTL, which is plenty.
      touchApiKeyLastUsed(options.prisma, found.keyId, new Date()).catch((err: unknown) =>
        options.logger.warn({ err, keyId: found.keyId }, "could not record key use"),
      );
    }
    return found;
  };

  return {
    async authenticate(secret) {
      if (!isWellFormedApiKey(secret)) return null;
      const hash = hashApiKeySecret(secret);
      const cached = cache.get(hash);
      if (cached !== undefined) return cached === "none" ? null : cached;
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
