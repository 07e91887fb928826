import { isObject, numberField, objectField, requestJson, stringField } from "./http";
import type { CompanyEnrichment, EnrichmentProvider, PersonEnrichment, PersonQuery } from "./provider";

export interface PeopleDataLabsOptions {
  apiKey: string;
  /** Default https://api.peopledatalabs.com; tests point it at a local server. */
  baseUrl?: string;
  /** PDL's `min_likelihood` (1-10): weaker matches count as no match. */
  minLikelihood?: number;
}

/**
 * People Data Labs, v5: `GET /v5/person/enrich` (by email, LinkedIn profile, name + company) and
 * `GET /v5/company/enrich` (by website). The key goes in the `X-Api-Key` header. PDL answers 404
 * when nothing matches (not billed), which is "no match" here.
 */
export function createPeopleDataLabsProvider(options: PeopleDataLabsOptions): EnrichmentProvider {
  const baseUrl = (options.baseUrl ?? "https://api.peopledatalabs.com").replace(/\/$/, "");
  const headers = { "x-api-key": options.apiKey };
  const get = async (path: string, params: Record<string, string | null>, signal?: AbortSignal) => {
    const url = new URL(`${baseUrl}${path}`);
    for (const [key, value] of Object.entries(params)) if (value) url.searchParams.set(key, value);
    if (options.minLikelihood) url.searchParams.set("min_likelihood", String(options.minLikelihood));
    return requestJson("pdl", url.toString(), { method: "GET", headers, signal }, [404]);
  };
  return {
    name: "pdl",
    async enrichPerson(query, callOptions) {
      const res = await get("/v5/person/enrich", personParams(query), callOptions?.signal);
      const data = res.status === 404 ? null : objectField(res.body, "data");
      return data ? personFromPdl(data) : null;
    },
    async enrichCompany(domain, callOptions) {
      const res = await get("/v5/company/enrich", { website: domain }, callOptions?.signal);
      // Unlike the person API, the company record is the top-level object.
      return res.status === 404 || !isObject(res.body) ? null : companyFromPdl(res.body);
    },
  };
}

function personParams(query: PersonQuery): Record<string, string | null> {
  return {
    email: query.email,
    profile: query.linkedinUrl,
    first_name: query.firstName,
    last_name: query.lastName,
    company: query.domain,
  };
}

/** PDL lower-cases names; people expect "Sean Thorne". */
const titleCase = (value: string | null) =>
  value ? value.replace(/(^|[\s'-])(\p{L})/gu, (_, sep: string, ch: string) => sep + ch.toUpperCase()) : null;

/** PDL gives LinkedIn URLs without a scheme ("linkedin.com/in/x"). */
const withScheme = (url: string | null) => (url && !/^https?:\/\//i.test(url) ? `https://${url}` : url);

function personFromPdl(data: Record<string, unknown>): PersonEnrichment {
  return {
    first_name: titleCase(stringField(data, "first_name")),
    last_name: titleCase(stringField(data, "last_name")),
    title: stringField(data, "job_title"),
    location: titleCase(stringField(data, "location_name")),
    phone_number: stringField(data, "mobile_phone"),
    linkedin_url: withScheme(stringField(data, "linkedin_url")),
  };
}

function companyFromPdl(data: Record<string, unknown>): CompanyEnrichment {
  const industry = stringField(data, "industry");
  return {
    name: stringField(data, "display_name") ?? titleCase(stringField(data, "name")),
    description: stringField(data, "summary"),
    industries: industry ? [industry] : [],
    employee_count: numberField(data, "employee_count"),
    founded_year: numberField(data, "founded"),
    linkedin_url: withScheme(stringField(data, "linkedin_url")),
  };
}
