import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import {
  type CompanyEnrichment,
  EnrichmentError,
  type EnrichmentProvider,
  type PersonEnrichment,
  type PersonQuery,
} from "./provider";

export interface BuiltinProviderOptions {
  /** Simulated latency of each call (a real provider takes seconds). */
  latencyMs: number;
  /** Fraction of calls, 0..1, that fail with a retryable error. */
  failureRate?: number;
  /** Source of randomness for failures; tests can make it deterministic. */
  random?: () => number;
}

const titles = [
  "Head of Sales",
  "Account Executive",
  "VP of Engineering",
  "Marketing Manager",
  "Data Analyst",
  "CTO",
];
const locations = [
  "San Francisco, CA",
  "New York, NY",
  "London, UK",
  "Berlin, Germany",
  "Austin, TX",
  "Toronto, Canada",
];
const industries = ["Software", "Financial Services", "Healthcare", "Retail", "Manufacturing", "Media"];

/** A number derived from the text, so the same input always gives the same values. */
function pick(text: string, salt: string): number {
  return createHash("sha256").update(`${salt}:${text}`).digest().readUInt32BE(0);
}

const capitalise = (word: string) => (word ? word[0]?.toUpperCase() + word.slice(1).toLowerCase() : word);

/** "jane.smith", "jane_smith", "jane-smith-4a1b2c" → ["Jane", "Smith"]; "jsmith" → ["Jsmith"]. */
function namesFrom(handle: string): string[] {
  return handle
    .split(/[._\-+]+/)
    .filter((part) => /^[a-z]{2,}$/i.test(part))
    .slice(0, 2)
    .map(capitalise);
}

/** Deterministic stand-in for a paid provider: plausible values derived from the inputs. */
export function derivePersonEnrichment(query: PersonQuery): PersonEnrichment | null {
  const handle = query.email?.split("@")[0] ?? query.linkedinUrl?.split("/in/")[1] ?? "";
  const key = query.email?.toLowerCase() ?? query.linkedinUrl ?? "";
  if (!key) return null;
  const [first, last] = namesFrom(decodeURIComponent(handle));
  return {
    first_name: query.firstName ?? first ?? null,
    last_name: query.lastName ?? last ?? null,
    title: titles[pick(key, "title") % titles.length] ?? null,
    location: locations[pick(key, "location") % locations.length] ?? null,
  };
}

export function deriveCompanyEnrichment(domain: string): CompanyEnrichment {
  const label = domain.split(".")[0] ?? domain;
  const name = label.split("-").map(capitalise).join(" ");
  const industry = industries[pick(domain, "industry") % industries.length] ?? "Software";
  return {
    name,
    description: `${name} is a ${industry.toLowerCase()} company at ${domain}.`,
    industries: [industry],
    employee_count: 10 + (pick(domain, "employees") % 5_000),
    founded_year: 1950 + (pick(domain, "founded") % 75),
    linkedin_url: `https://linkedin.com/company/${label}`,
  };
}

export function createBuiltinProvider(options: BuiltinProviderOptions): EnrichmentProvider {
  const random = options.random ?? Math.random;
  const call = async <T>(signal: AbortSignal | undefined, produce: () => T): Promise<T> => {
    await sleep(options.latencyMs, undefined, { signal });
    if ((options.failureRate ?? 0) > random()) {
      throw new EnrichmentError("builtin provider: simulated failure", true);
    }
    return produce();
  };
  return {
    name: "builtin",
    enrichPerson: (query, callOptions) => call(callOptions?.signal, () => derivePersonEnrichment(query)),
    enrichCompany: (domain, callOptions) => call(callOptions?.signal, () => deriveCompanyEnrichment(domain)),
  };
}
