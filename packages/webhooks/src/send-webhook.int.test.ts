import { sendJson, startHttpStandIn } from "@upsert/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWebhookSender } from "./send-webhook";

// The sender against a real receiver on loopback: the address is checked where the connection is
// made, so a URL accepted earlier that now resolves to a private address is refused at delivery.
let receiver: Awaited<ReturnType<typeof startHttpStandIn>>;

beforeAll(async () => {
  receiver = await startHttpStandIn((req, res) =>
    req.url === "/slow"
      ? new Promise((resolve) => setTimeout(resolve, 1_000))
      : sendJson(res, req.url === "/fail" ? 502 : 200, {}),
  );
});

afterAll(async () => {
  await receiver?.close();
});

const attempt = { headers: { "webhook-id": "msg_1" }, body: '{"type":"job.succeeded"}' };

describe("createWebhookSender", () => {
  it("refuses to connect to a loopback address unless private addresses are allowed", async () => {
    const strict = createWebhookSender({ timeoutMs: 2_000, allowPrivate: false });
    const before = receiver.requests.length;
    for (const url of [`${receiver.url}/hook`, receiver.url.replace("127.0.0.1", "localhost")]) {
      const outcome = await strict.send({ url, ...attempt });
      expect(outcome).toMatchObject({ ok: false, status: null, error: expect.stringMatching(/not allowed/) });
    }
    expect(receiver.requests.length).toBe(before);
    strict.close();
  });

  it("POSTs the body with the given headers; 2xx succeeds, other answers and timeouts fail", async () => {
    const sender = createWebhookSender({ timeoutMs: 300, allowPrivate: true });
    expect(await sender.send({ url: `${receiver.url}/hook`, ...attempt })).toEqual({ ok: true, status: 200 });
    const received = receiver.requests.at(-1);
    expect(received).toMatchObject({ method: "POST", body: attempt.body });
    expect(received?.headers).toMatchObject({ "webhook-id": "msg_1", "content-type": "application/json" });
    expect(await sender.send({ url: `${receiver.url}/fail`, ...attempt })).toEqual({
      ok: false,
      status: 502,
      error: "HTTP 502",
    });
    expect(await sender.send({ url: `${receiver.url}/slow`, ...attempt })).toMatchObject({
      ok: false,
      status: null,
      error: "no answer within 300 ms",
    });
    sender.close();
  });
});
