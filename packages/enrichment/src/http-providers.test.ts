import { type HttpStandIn, type RecordedRequest, sendJson, startHttpStandIn } from "@upsert/testing";
import { afterEach, describe, expect, it } from "vitest";
import { createApolloProvider } from "./apollo-provider";
import { createPeopleDataLabsProvider } from "./people-data-labs-provider";
import { EnrichmentError, type EnrichmentProvider } from "./provider";
import { type ResilienceOptions, withResilience } from "./resilience";
import { createWebhookProvider } from "./webhook-provider";

// Each adapter against a real local HTTP server that speaks that provider's documented shapes.
let standIn: HttpStandIn | undefined;
afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});

const fast: ResilienceOptions = {
  timeoutMs: 300,
  maxAttempts: 3,
  backoffMs: 10,
  maxBackoffMs: 50,
  maxRetryAfterMs: 2_000,
  breakerThreshold: 100,
  breakerHalfOpenAfterMs: 1_000,
};

const query = {
  email: "sean@peopledatalabs.com",
  linkedinUrl: "https://linkedin.com/in/seanthorne",
  firstName: null,
  lastName: null,
  domain: "peopledatalabs.com",
};

interface ProviderCase {
  name: string;
  create(url: string): EnrichmentProvider;
  /** The provider's documented answer for a person match. */
  personMatch: unknown;
  personNoMatch: { status: number; body: unknown };
  companyMatch: unknown;
  companyNoMatch: { status: number; body: unknown };
  /** What the request must look like (path, method, auth, inputs). */
  checkPersonRequest(req: RecordedRequest): void;
  checkCompanyRequest(req: RecordedRequest): void;
}

const query$ = (req: RecordedRequest) => new URL(req.url, "http://x").searchParams;

const cases: ProviderCase[] = [
  {
    name: "People Data Labs",
    create: (url) => createPeopleDataLabsProvider({ apiKey: "pdl-key", baseUrl: url }),
    personMatch: {
      status: 200,
      likelihood: 9,
      data: {
        full_name: "sean thorne",
        first_name: "sean",
        last_name: "thorne",
        job_title: "co-founder and chief executive officer",
        location_name: "san francisco, california, united states",
        mobile_phone: "+14155688415",
        linkedin_url: "linkedin.com/in/seanthorne",
      },
    },
    personNoMatch: {
      status: 404,
      body: {
        status: 404,
        error: { type: "not_found", message: "No records were found matching your request" },
      },
    },
    companyMatch: {
      status: 200,
      name: "people data labs",
      display_name: "People Data Labs",
      summary: "People data for developers.",
      industry: "computer software",
      employee_count: 120,
      founded: 2015,
      linkedin_url: "linkedin.com/company/peopledatalabs",
      likelihood: 6,
    },
    companyNoMatch: {
      status: 404,
      body: { status: 404, error: { type: "not_found", message: "No records" } },
    },
    checkPersonRequest(req) {
      expect(req.method).toBe("GET");
      expect(req.url.startsWith("/v5/person/enrich?")).toBe(true);
      expect(req.headers["x-api-key"]).toBe("pdl-key");
      expect(query$(req).get("email")).toBe(query.email);
      expect(query$(req).get("profile")).toBe(query.linkedinUrl);
    },
    checkCompanyRequest(req) {
      expect(req.method).toBe("GET");
      expect(req.url).toBe("/v5/company/enrich?website=peopledatalabs.com");
      expect(req.headers["x-api-key"]).toBe("pdl-key");
    },
  },
  {
    name: "Apollo",
    create: (url) => createApolloProvider({ apiKey: "apollo-key", baseUrl: url }),
    personMatch: {
      person: {
        id: "587cf802f65125cad923a266",
        first_name: "Sean",
        last_name: "Thorne",
        title: "Co-Founder & CEO",
        city: "San Francisco",
        state: "California",
        country: "United States",
        linkedin_url: "http://www.linkedin.com/in/seanthorne",
      },
    },
    personNoMatch: { status: 200, body: { person: null } },
    companyMatch: {
      organization: {
        name: "People Data Labs",
        short_description: "People data for developers.",
        industry: "information technology & services",
        estimated_num_employees: 120,
        founded_year: 2015,
        linkedin_url: "http://www.linkedin.com/company/peopledatalabs",
      },
    },
    companyNoMatch: { status: 200, body: {} },
    checkPersonRequest(req) {
      expect(req.method).toBe("POST");
      expect(req.url.startsWith("/api/v1/people/match?")).toBe(true);
      expect(req.headers["x-api-key"]).toBe("apollo-key");
      expect(query$(req).get("email")).toBe(query.email);
      expect(query$(req).get("linkedin_url")).toBe(query.linkedinUrl);
      expect(query$(req).get("domain")).toBe(query.domain);
    },
    checkCompanyRequest(req) {
      expect(req.method).toBe("GET");
      expect(req.url).toBe("/api/v1/organizations/enrich?domain=peopledatalabs.com");
      expect(req.headers["x-api-key"]).toBe("apollo-key");
    },
  },
  {
    name: "webhook",
    create: (url) => createWebhookProvider({ url: `${url}/enrich`, secret: "s3cret" }),
    personMatch: {
      match: {
        first_name: "Sean",
        last_name: "Thorne",
        title: "CEO",
        location: "San Francisco, California, United States",
        phone_number: "+14155688415",
        linkedin_url: "https://linkedin.com/in/seanthorne",
        unknown_field: "ignored",
      },
    },
    personNoMatch: { status: 200, body: { match: null } },
    companyMatch: {
      match: {
        name: "People Data Labs",
        description: "People data for developers.",
        industries: ["Computer Software"],
        employee_count: 120,
        founded_year: 2015,
        linkedin_url: "https://linkedin.com/company/peopledatalabs",
      },
    },
    companyNoMatch: { status: 200, body: { match: null } },
    checkPersonRequest(req) {
      expect(req.method).toBe("POST");
      expect(req.url).toBe("/enrich");
      expect(req.headers.authorization).toBe("Bearer s3cret");
      expect(JSON.parse(req.body)).toEqual({
        type: "person",
        query: {
          email: query.email,
          linkedin_url: query.linkedinUrl,
          first_name: null,
          last_name: null,
          domain: query.domain,
        },
      });
    },
    checkCompanyRequest(req) {
      expect(JSON.parse(req.body)).toEqual({ type: "company", domain: "peopledatalabs.com" });
    },
  },
];

describe.each(cases)("$name adapter", (c) => {
  async function serve(status: number, body: unknown, headers: Record<string, string> = {}) {
    standIn = await startHttpStandIn((_, res) => sendJson(res, status, body, headers));
    return { server: standIn, provider: c.create(standIn.url) };
  }

  it("maps a person match to our fields, asking with the documented request", async () => {
    const { server, provider } = await serve(200, c.personMatch);
    const person = await provider.enrichPerson(query);
    expect(person).toMatchObject({
      first_name: "Sean",
      last_name: "Thorne",
      location: "San Francisco, California, United States",
    });
    expect(person?.title).toBeTruthy();
    expect(person?.linkedin_url).toMatch(/^https?:\/\/(www\.)?linkedin\.com\/in\/seanthorne$/);
    expect(server.requests).toHaveLength(1);
    c.checkPersonRequest(server.requests[0] as RecordedRequest);
  });

  it("maps a company match to Monaco's CompanyInfo fields", async () => {
    const { server, provider } = await serve(200, c.companyMatch);
    expect(await provider.enrichCompany("peopledatalabs.com")).toMatchObject({
      name: "People Data Labs",
      description: "People data for developers.",
      employee_count: 120,
      founded_year: 2015,
    });
    c.checkCompanyRequest(server.requests[0] as RecordedRequest);
  });

  it("no match is an answer (null), not an error", async () => {
    const person = await serve(c.personNoMatch.status, c.personNoMatch.body);
    expect(await person.provider.enrichPerson(query)).toBeNull();
    await standIn?.close();
    const company = await serve(c.companyNoMatch.status, c.companyNoMatch.body);
    expect(await company.provider.enrichCompany("nobody.example")).toBeNull();
  });

  it("401: a rejected key fails at once and is not retried", async () => {
    const { server, provider } = await serve(401, { error: "Invalid API key" });
    const resilient = withResilience(provider, fast);
    const err = await resilient.enrichPerson(query).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnrichmentError);
    expect(err).toMatchObject({
      retryable: false,
      message: expect.stringContaining("API key rejected (401)"),
    });
    expect(server.requests).toHaveLength(1);
  });

  it("429 with Retry-After: waits as told, then gets the answer", async () => {
    standIn = await startHttpStandIn((_, res) =>
      standIn && standIn.requests.length === 1
        ? sendJson(res, 429, { error: "rate limited" }, { "retry-after": "1" })
        : sendJson(res, 200, c.personMatch),
    );
    const resilient = withResilience(c.create(standIn.url), fast);
    const started = Date.now();
    expect(await resilient.enrichPerson(query)).toMatchObject({ last_name: "Thorne" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(standIn.requests).toHaveLength(2);
    expect(resilient.stats()).toMatchObject({ calls: 2, rateLimited: 1, succeeded: 1 });
  });

  it("429 asking for longer than we wait in a job: fails retryable, carrying the delay", async () => {
    const { server, provider } = await serve(429, { error: "quota" }, { "retry-after": "120" });
    const err = await withResilience(provider, fast)
      .enrichPerson(query)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ retryable: true, retryAfterMs: 120_000 });
    expect(server.requests).toHaveLength(1);
  });

  it("5xx: retried with backoff up to the attempt limit, then a retryable failure", async () => {
    const { server, provider } = await serve(503, { error: "unavailable" });
    const err = await withResilience(provider, fast)
      .enrichPerson(query)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ retryable: true, message: expect.stringContaining("HTTP 503") });
    expect(server.requests).toHaveLength(3);
  });

  it("a response slower than the timeout is abandoned and retried", async () => {
    standIn = await startHttpStandIn(async (_, res) => {
      if (standIn?.requests.length === 1) await new Promise((resolve) => setTimeout(resolve, 1_000));
      sendJson(res, 200, c.personMatch);
    });
    const resilient = withResilience(c.create(standIn.url), fast);
    const started = Date.now();
    expect(await resilient.enrichPerson(query)).toMatchObject({ last_name: "Thorne" });
    expect(Date.now() - started).toBeLessThan(900); // did not wait for the slow answer
    expect(resilient.stats()).toMatchObject({ timedOut: 1, succeeded: 1 });
  });

  it("malformed JSON is a non-retryable failure, not a match", async () => {
    const { server, provider } = await serve(200, "{ this is not json");
    const err = await withResilience(provider, fast)
      .enrichPerson(query)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ retryable: false, message: expect.stringContaining("not JSON") });
    expect(server.requests).toHaveLength(1);
  });
});

describe("circuit breaker", () => {
  it("opens after consecutive failures, stops calling, and closes after a good trial call", async () => {
    let healthy = false;
    standIn = await startHttpStandIn((_, res) =>
      healthy ? sendJson(res, 200, { match: null }) : sendJson(res, 500, { error: "down" }),
    );
    const resilient = withResilience(createWebhookProvider({ url: standIn.url }), {
      ...fast,
      maxAttempts: 1,
      breakerThreshold: 3,
      breakerHalfOpenAfterMs: 300,
    });
    const states: string[] = [];
    resilient.onBreakerChange((state) => states.push(state));
    for (let i = 0; i < 3; i += 1) await resilient.enrichPerson(query).catch(() => null);
    expect(resilient.stats().breaker).toBe("open");

    const refused = await resilient.enrichPerson(query).catch((e: unknown) => e);
    expect(refused).toMatchObject({ retryable: true, retryAfterMs: 300 });
    expect(standIn.requests).toHaveLength(3); // the open breaker did not call
    expect(resilient.stats().shortCircuited).toBe(1);

    healthy = true;
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await resilient.enrichPerson(query)).toBeNull();
    expect(resilient.stats().breaker).toBe("closed");
    expect(states).toEqual(["open", "half-open", "closed"]);
  });
});
