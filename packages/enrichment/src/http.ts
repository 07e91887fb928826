import { EnrichmentError } from "./provider";

export interface JsonResponse {
  status: number;
  /** Parsed body; undefined for an empty body. */
  body: unknown;
}

/**
 * One HTTP exchange with a provider, with failures turned into `EnrichmentError`s the resilience
 * layer understands: network errors, 5xx and 429 are retryable (429 carries `Retry-After`);
 * 401/403 and other 4xx are not; a body that is not JSON is not (the provider is broken, and
 * asking again bills again). Statuses in `accept` (e.g. 404 as "no match") are returned as-is.
 */
export async function requestJson(
  provider: string,
  url: string,
  init: { method: "GET" | "POST"; headers: Record<string, string>; body?: unknown; signal?: AbortSignal },
  accept: readonly number[] = [],
): Promise<JsonResponse> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: init.method,
      headers: {
        accept: "application/json",
        ...(init.body === undefined ? {} : { "content-type": "application/json" }),
        ...init.headers,
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: init.signal,
    });
  } catch (err) {
    if (init.signal?.aborted) throw err; // a timeout or a cancelled run, not the provider's fault
    throw new EnrichmentError(`${provider}: request failed: ${(err as Error).message}`, true);
  }
  const text = await res.text();
  if (!res.ok && !accept.includes(res.status)) {
    const detail = text.slice(0, 200);
    if (res.status === 429) {
      throw new EnrichmentError(
        `${provider}: rate limited (429)`,
        true,
        parseRetryAfter(res.headers.get("retry-after")),
      );
    }
    if (res.status === 401 || res.status === 403) {
      throw new EnrichmentError(`${provider}: API key rejected (${res.status}): ${detail}`, false);
    }
    throw new EnrichmentError(`${provider}: HTTP ${res.status}: ${detail}`, res.status >= 500);
  }
  if (text.trim() === "") return { status: res.status, body: undefined };
  try {
    return { status: res.status, body: JSON.parse(text) as unknown };
  } catch {
    throw new EnrichmentError(`${provider}: response is not JSON (HTTP ${res.status})`, false);
  }
}

/** `Retry-After` as delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1_000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** A string field of a JSON object, or null. */
export function stringField(source: unknown, key: string): string | null {
  const value = (source as Record<string, unknown> | null | undefined)?.[key];
  return typeof value === "string" && value.trim() !== "" ? value : null;
}

/** A finite number field of a JSON object, or null. */
export function numberField(source: unknown, key: string): number | null {
  const value = (source as Record<string, unknown> | null | undefined)?.[key];
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An object field of a JSON object, or null. */
export function objectField(source: unknown, key: string): Record<string, unknown> | null {
  const value = isObject(source) ? source[key] : undefined;
  return isObject(value) ? value : null;
}
