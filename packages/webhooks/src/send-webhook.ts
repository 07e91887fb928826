import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from "request-filtering-agent";

export type WebhookSendOutcome =
  | { ok: true; status: number }
  /** `status` is null when no answer came (refused address, connection error, timeout). */
  | { ok: false; status: number | null; error: string };

export interface WebhookSender {
  /** POSTs one attempt; a 2xx answer within the timeout is a success, anything else a failure. */
  send(input: { url: string; headers: Record<string, string>; body: string }): Promise<WebhookSendOutcome>;
  close(): void;
}

/** How much of a receiver's answer is read (and then dropped): enough to reuse the connection. */
const maxAnswerBytes = 64 * 1024;

/**
 * Sends webhook attempts through agents that check the address each connection goes to: a host
 * that resolves to a loopback, private or link-local address at delivery time is refused there,
 * whatever it resolved to when the webhook was created (DNS rebinding), unless `allowPrivate`.
 * Redirects are not followed (a 3xx is a failed attempt).
 */
export function createWebhookSender(options: { timeoutMs: number; allowPrivate: boolean }): WebhookSender {
  const agentOptions = { keepAlive: true, maxSockets: 50, allowPrivateIPAddress: options.allowPrivate };
  const httpAgent = new RequestFilteringHttpAgent(agentOptions);
  const httpsAgent = new RequestFilteringHttpsAgent(agentOptions);

  return {
    send({ url, headers, body }) {
      return new Promise<WebhookSendOutcome>((resolve) => {
        const target = new URL(url);
        const request = target.protocol === "https:" ? httpsRequest : httpRequest;
        let settled = false;
        const settle = (outcome: WebhookSendOutcome) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve(outcome);
        };
        const req = request(
          target,
          {
            method: "POST",
            agent: target.protocol === "https:" ? httpsAgent : httpAgent,
            headers: {
              ...headers,
              "content-type": "application/json",
              "content-length": String(Buffer.byteLength(body)),
              "user-agent": "contact-upsert-webhooks/1",
            },
          },
          (res) => {
            const status = res.statusCode ?? 0;
            let read = 0;
            res.on("data", (chunk: Buffer) => {
              read += chunk.length;
              if (read > maxAnswerBytes) res.destroy();
            });
            res.on("error", () => undefined);
            res.on("close", () =>
              settle(
                status >= 200 && status < 300
                  ? { ok: true, status }
                  : { ok: false, status, error: `HTTP ${status}` },
              ),
            );
            res.resume();
          },
        );
        const timer = setTimeout(() => {
          settle({ ok: false, status: null, error: `no answer within ${options.timeoutMs} ms` });
          req.destroy();
        }, options.timeoutMs);
        req.on("error", (err) => settle({ ok: false, status: null, error: err.message }));
        req.end(body);
      });
    },
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
