import type { ServerResponse } from "node:http";
import { deriveCompanyEnrichment, derivePersonEnrichment } from "@upsert/enrichment";
import { type RecordedRequest, sendJson } from "@upsert/testing";

/**
 * Answers a webhook provider call (see the README's webhook contract) as the built-in provider
 * would: a match derived from the email or LinkedIn URL, or from the domain.
 */
export function answerWebhookLikeBuiltin(req: RecordedRequest, res: ServerResponse): void {
  const body = JSON.parse(req.body) as {
    type: string;
    domain?: string;
    query?: { email: string | null; linkedin_url: string | null };
  };
  const match =
    body.type === "company"
      ? deriveCompanyEnrichment(body.domain ?? "")
      : derivePersonEnrichment({
          email: body.query?.email ?? null,
          linkedinUrl: body.query?.linkedin_url ?? null,
          firstName: null,
          lastName: null,
          domain: null,
        });
  sendJson(res, 200, { match });
}
