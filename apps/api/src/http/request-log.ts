import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { redactApiKeySecrets } from "@upsert/domain";

/** Query parameters clients put credentials in; their values are never logged. */
const secretQueryParameters = new Set([
  "api_key",
  "apikey",
  "api-key",
  "key",
  "token",
  "access_token",
  "secret",
  "password",
  "authorization",
]);

function decodedName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, " "));
  } catch {
    return raw;
  }
}

/**
 * The URL as logged: values of credential-like query parameters become `[redacted]`, and anything
 * shaped like an API key, anywhere (a key pasted into the path), becomes `mks_[redacted]`.
 */
export function censorUrl(url: string): string {
  const queryStart = url.indexOf("?");
  if (queryStart === -1) return redactApiKeySecrets(url);
  const query = url
    .slice(queryStart + 1)
    .split("&")
    .map((pair) => {
      const equals = pair.indexOf("=");
      const name = equals === -1 ? pair : pair.slice(0, equals);
      // `key[]=…` and `key[x]=…` are the same parameter to a lenient parser.
      const bare = decodedName(name).replace(/\[.*$/, "").toLowerCase();
      return equals !== -1 && secretQueryParameters.has(bare) ? `${name}=[redacted]` : pair;
    })
    .join("&");
  return redactApiKeySecrets(`${url.slice(0, queryStart)}?${query}`);
}

interface SerializedRequest {
  id: unknown;
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  remoteAddress?: string;
  remotePort?: number;
}

/**
 * pino-http's `req` serializer: the default one, minus `query` and `params` (they repeat the URL,
 * uncensored), with the URL censored and API-key-shaped values hidden in every header. The
 * logger's redact paths blank `authorization`, `cookie` and `x-api-key` entirely.
 */
export function serializeRequest(req: SerializedRequest): SerializedRequest {
  const headers: SerializedRequest["headers"] = {};
  for (const [name, value] of Object.entries(req.headers)) {
    headers[name] = Array.isArray(value)
      ? value.map(redactApiKeySecrets)
      : typeof value === "string"
        ? redactApiKeySecrets(value)
        : value;
  }
  return {
    id: req.id,
    method: req.method,
    url: censorUrl(req.url),
    headers,
    remoteAddress: req.remoteAddress,
    remotePort: req.remotePort,
  };
}

/**
 * The request id: the caller's `X-Request-Id` when it is short and carries nothing key-shaped
 * (it is logged on every line), else a new UUID. Echoed back in `X-Request-Id`.
 */
export function assignRequestId(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers["x-request-id"];
  const id =
    typeof given === "string" && given.length <= 128 && redactApiKeySecrets(given) === given
      ? given
      : randomUUID();
  res.setHeader("X-Request-Id", id);
  return id;
}
