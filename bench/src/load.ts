import autocannon from "autocannon";

/**
 * Sends every body once as `PUT /v1/contacts` (`concurrency` at a time) and insists on a 202 for
 * each: pre-loading is setup, not measurement, so a refusal means the stack is broken.
 */
export async function putAll(
  baseUrl: string,
  key: string,
  bodies: string[],
  concurrency = 50,
): Promise<void> {
  const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
  let next = 0;
  const refused: string[] = [];
  const sender = async () => {
    while (next < bodies.length && refused.length === 0) {
      const body = bodies[next];
      next += 1;
      const res = await fetch(`${baseUrl}/v1/contacts`, { method: "PUT", headers, body });
      const text = await res.text();
      if (res.status !== 202) refused.push(`${res.status} ${text.slice(0, 300)}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, bodies.length) }, sender));
  if (refused.length > 0) throw new Error(`pre-load refused: ${refused[0]}`);
}

export interface LoadResult {
  /** Accepted (2xx) responses per second. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Responses of any status. */
  responses: number;
  non2xx: number;
  errors: number;
  durationS: number;
}

/**
 * autocannon against `PUT /v1/contacts` with `connections` concurrent connections for
 * `durationS` (or until `amount` responses); every request is a new person (a counter in the
 * email), and the keys take turns.
 */
export async function runIntakeLoad(options: {
  url: string;
  keys: string[];
  connections: number;
  length: { durationS: number } | { amount: number };
  /** Makes the emails of this run unique among runs. */
  tag: string;
  body: (email: string, i: number) => string;
  email: (tag: string, i: number) => string;
}): Promise<LoadResult> {
  let counter = 0;
  const result = await autocannon({
    url: `${options.url}/v1/contacts`,
    connections: options.connections,
    ...("amount" in options.length
      ? { amount: options.length.amount }
      : { duration: options.length.durationS }),
    requests: [
      {
        method: "PUT",
        setupRequest: (request) => {
          const i = counter;
          counter += 1;
          return {
            ...request,
            headers: {
              authorization: `Bearer ${options.keys[i % options.keys.length]}`,
              "content-type": "application/json",
            },
            body: options.body(options.email(options.tag, i), i),
          };
        },
      },
    ],
  });
  const ok = result["2xx"];
  return {
    rps: ok / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    responses: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    durationS: result.duration,
  };
}
