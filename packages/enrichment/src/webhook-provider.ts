import { z } from "zod";
import { requestJson } from "./http";
import { EnrichmentError, type EnrichmentProvider } from "./provider";

export interface WebhookOptions {
  url: string;
  /** Sent as `Authorization: Bearer <secret>` when set. */
  secret?: string;
}

const text = z.string().nullish();
const personMatch = z.object({
  first_name: text,
  last_name: text,
  title: text,
  location: text,
  phone_number: text,
  linkedin_url: text,
});
const companyMatch = z.object({
  name: text,
  description: text,
  industries: z.array(z.string()).optional(),
  employee_count: z.number().int().nullish(),
  founded_year: z.number().int().nullish(),
  linkedin_url: text,
});

/**
 * Any internal service: we POST `{"type":"person","query":{email, linkedin_url, first_name,
 * last_name, domain}}` or `{"type":"company","domain":"acme.com"}` and read back
 * `{"match": {...} | null}` with our own field names (see the README). Unknown fields are ignored;
 * a reply of the wrong shape is an error, not a silent no-match.
 */
export function createWebhookProvider(options: WebhookOptions): EnrichmentProvider {
  const headers: Record<string, string> = options.secret ? { authorization: `Bearer ${options.secret}` } : {};
  const post = async <T>(body: unknown, schema: z.ZodType<T>, signal?: AbortSignal): Promise<T | null> => {
    const res = await requestJson("webhook", options.url, { method: "POST", headers, body, signal });
    const parsed = z.object({ match: schema.nullable() }).safeParse(res.body);
    if (!parsed.success) {
      throw new EnrichmentError(
        `webhook: reply does not match the documented shape: ${parsed.error.message}`,
        false,
      );
    }
    return parsed.data.match;
  };
  return {
    name: "webhook",
    enrichPerson: (query, callOptions) =>
      post(
        {
          type: "person",
          query: {
            email: query.email,
            linkedin_url: query.linkedinUrl,
            first_name: query.firstName,
            last_name: query.lastName,
            domain: query.domain,
          },
        },
        personMatch,
        callOptions?.signal,
      ),
    enrichCompany: (domain, callOptions) =>
      post({ type: "company", domain }, companyMatch, callOptions?.signal),
  };
}
