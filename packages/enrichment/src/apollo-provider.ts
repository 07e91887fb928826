import { numberField, objectField, requestJson, stringField } from "./http";
import type { CompanyEnrichment, EnrichmentProvider, PersonEnrichment } from "./provider";

export interface ApolloOptions {
  apiKey: string;
  /** Default https://api.apollo.io; tests point it at a local server. */
  baseUrl?: string;
}

/**
 * Apollo: `POST /api/v1/people/match` (email, LinkedIn URL, name + domain as query parameters)
 * and `GET /api/v1/organizations/enrich?domain=`. The key goes in the `x-api-key` header. A match
 * comes back as `person` / `organization`; no match is a 200 without one.
 */
export function createApolloProvider(options: ApolloOptions): EnrichmentProvider {
  const baseUrl = (options.baseUrl ?? "https://api.apollo.io").replace(/\/$/, "");
  const headers = { "x-api-key": options.apiKey };
  const url = (path: string, params: Record<string, string | null>) => {
    const target = new URL(`${baseUrl}${path}`);
    for (const [key, value] of Object.entries(params)) if (value) target.searchParams.set(key, value);
    return target.toString();
  };
  return {
    name: "apollo",
    async enrichPerson(query, callOptions) {
      const target = url("/api/v1/people/match", {
        email: query.email,
        linkedin_url: query.linkedinUrl,
        first_name: query.firstName,
        last_name: query.lastName,
        domain: query.domain,
      });
      const res = await requestJson("apollo", target, {
        method: "POST",
        headers,
        signal: callOptions?.signal,
      });
      const person = objectField(res.body, "person");
      return person ? personFromApollo(person) : null;
    },
    async enrichCompany(domain, callOptions) {
      const target = url("/api/v1/organizations/enrich", { domain });
      const res = await requestJson("apollo", target, {
        method: "GET",
        headers,
        signal: callOptions?.signal,
      });
      const organization = objectField(res.body, "organization");
      return organization ? companyFromApollo(organization) : null;
    },
  };
}

function personFromApollo(person: Record<string, unknown>): PersonEnrichment {
  const location = ["city", "state", "country"]
    .map((key) => stringField(person, key))
    .filter((part): part is string => part !== null)
    .join(", ");
  return {
    first_name: stringField(person, "first_name"),
    last_name: stringField(person, "last_name"),
    title: stringField(person, "title"),
    location: location || null,
    linkedin_url: stringField(person, "linkedin_url"),
  };
}

function companyFromApollo(organization: Record<string, unknown>): CompanyEnrichment {
  const industry = stringField(organization, "industry");
  return {
    name: stringField(organization, "name"),
    description: stringField(organization, "short_description"),
    industries: industry ? [industry] : [],
    employee_count: numberField(organization, "estimated_num_employees"),
    founded_year: numberField(organization, "founded_year"),
    linkedin_url: stringField(organization, "linkedin_url"),
  };
}
