import {
  itemsRateLimitPerMinuteRange,
  type Prisma,
  rateLimitPerMinuteRange,
  setOrganizationRateLimits,
} from "@upsert/db";
import { CliError, parseUuidArgument } from "../cli.errors";
import type { CliOutput } from "../cli.output";
import { keyCacheTtlSeconds } from "./key-revoke.command";

export interface OrgSetRateLimitArgs {
  org: string;
  /** A whole number of requests per minute, or "default" for the deployment's default. */
  perMinute?: string | undefined;
  /** A whole number of batch items per minute, or "default". */
  itemsPerMinute?: string | undefined;
  json: boolean;
}

function parseLimit(value: string, flag: string, range: { min: number; max: number }): number | null {
  const trimmed = value.trim();
  if (trimmed.toLowerCase() === "default") return null;
  const { min, max } = range;
  const parsed = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    throw new CliError(`${flag} must be a whole number from ${min} to ${max}, or "default", got "${value}"`);
  }
  return parsed;
}

/** Parses `--per-minute`: "default" clears the org's own limit (null). */
export function parsePerMinute(value: string): number | null {
  return parseLimit(value, "--per-minute", rateLimitPerMinuteRange);
}

/** Parses `--items-per-minute`: "default" clears the org's own limit (null). */
export function parseItemsPerMinute(value: string): number | null {
  return parseLimit(value, "--items-per-minute", itemsRateLimitPerMinuteRange);
}

/**
 * Sets how many requests, and/or batch items, per minute an organisation may send, across all
 * API processes.
 */
export async function runOrgSetRateLimitCommand(
  prisma: Prisma,
  args: OrgSetRateLimitArgs,
  output: CliOutput,
): Promise<void> {
  const orgId = parseUuidArgument(args.org, "--org");
  if (args.perMinute === undefined && args.itemsPerMinute === undefined) {
    throw new CliError("give --per-minute, --items-per-minute or both");
  }
  const perMinute = args.perMinute === undefined ? undefined : parsePerMinute(args.perMinute);
  const itemsPerMinute =
    args.itemsPerMinute === undefined ? undefined : parseItemsPerMinute(args.itemsPerMinute);
  const org = await setOrganizationRateLimits(prisma, orgId, { perMinute, itemsPerMinute });
  if (org === null) throw new CliError(`organization ${orgId} does not exist`);
  if (args.json) {
    output.out(
      JSON.stringify({
        org_id: org.id,
        rate_limit_per_minute: org.rateLimitPerMinute,
        items_rate_limit_per_minute: org.itemsRateLimitPerMinute,
      }),
    );
    return;
  }
  const lines: string[] = [];
  if (perMinute !== undefined) {
    lines.push(
      org.rateLimitPerMinute === null
        ? `Organization ${org.id} ("${org.name}") now has the default rate limit (RATE_LIMIT_PER_MINUTE of the API, 100 unless configured).`
        : `Organization ${org.id} ("${org.name}") may now make ${org.rateLimitPerMinute} requests per minute.`,
    );
  }
  if (itemsPerMinute !== undefined) {
    lines.push(
      org.itemsRateLimitPerMinute === null
        ? `Organization ${org.id} ("${org.name}") now has the default batch items limit (RATE_LIMIT_ITEMS_PER_MINUTE of the API, 100000 unless configured).`
        : `Organization ${org.id} ("${org.name}") may now send ${org.itemsRateLimitPerMinute} batch items per minute.`,
    );
  }
  lines.push(
    `Running API processes cache each key's organisation, so they apply it within ${keyCacheTtlSeconds} s.`,
  );
  output.out(lines.join("\n"));
}
