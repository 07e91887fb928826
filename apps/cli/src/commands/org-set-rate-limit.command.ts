import { type Prisma, rateLimitPerMinuteRange, setOrganizationRateLimit } from "@upsert/db";
import { CliError, parseUuidArgument } from "../cli.errors";
import type { CliOutput } from "../cli.output";
import { keyCacheTtlSeconds } from "./key-revoke.command";

export interface OrgSetRateLimitArgs {
  org: string;
  /** A whole number of requests per minute, or "default" for the deployment's default. */
  perMinute: string;
  json: boolean;
}

/** Parses `--per-minute`: "default" clears the org's own limit (null). */
export function parsePerMinute(value: string): number | null {
  const trimmed = value.trim();
  if (trimmed.toLowerCase() === "default") return null;
  const { min, max } = rateLimitPerMinuteRange;
  const parsed = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    throw new CliError(
      `--per-minute must be a whole number from ${min} to ${max}, or "default", got "${value}"`,
    );
  }
  return parsed;
}

/** Sets how many requests per minute an organisation may make, across all API processes. */
export async function runOrgSetRateLimitCommand(
  prisma: Prisma,
  args: OrgSetRateLimitArgs,
  output: CliOutput,
): Promise<void> {
  const orgId = parseUuidArgument(args.org, "--org");
  const perMinute = parsePerMinute(args.perMinute);
  const org = await setOrganizationRateLimit(prisma, orgId, perMinute);
  if (org === null) throw new CliError(`organization ${orgId} does not exist`);
  if (args.json) {
    output.out(JSON.stringify({ org_id: org.id, rate_limit_per_minute: org.rateLimitPerMinute }));
    return;
  }
  output.out(
    [
      org.rateLimitPerMinute === null
        ? `Organization ${org.id} ("${org.name}") now has the default rate limit (RATE_LIMIT_PER_MINUTE of the API, 100 unless configured).`
        : `Organization ${org.id} ("${org.name}") may now make ${org.rateLimitPerMinute} requests per minute.`,
      `Running API processes cache each key's organisation, so they apply it within ${keyCacheTtlSeconds} s.`,
    ].join("\n"),
  );
}
