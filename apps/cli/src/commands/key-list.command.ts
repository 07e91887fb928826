import { type ApiKeySummary, findOrganization, listApiKeys, type Prisma } from "@upsert/db";
import { CliError, parseUuidArgument } from "../cli.errors";
import type { CliOutput } from "../cli.output";

export interface KeyListArgs {
  org: string;
  json: boolean;
}

function formatTime(value: Date | null): string {
  return value === null ? "-" : value.toISOString();
}

function renderTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const renderRow = (row: string[]) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd();
  return [renderRow(header), ...rows.map(renderRow)].join("\n");
}

function toJsonKey(key: ApiKeySummary) {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    created_at: key.createdAt.toISOString(),
    last_used_at: key.lastUsedAt?.toISOString() ?? null,
    revoked_at: key.revokedAt?.toISOString() ?? null,
  };
}

/** Lists an organisation's keys (revoked ones too); shows prefixes only, never secrets. */
export async function runKeyListCommand(prisma: Prisma, args: KeyListArgs, output: CliOutput): Promise<void> {
  const orgId = parseUuidArgument(args.org, "--org");
  if ((await findOrganization(prisma, orgId)) === null) {
    throw new CliError(`organization ${orgId} does not exist`);
  }
  const keys = await listApiKeys(prisma, orgId);
  if (args.json) {
    output.out(JSON.stringify({ org_id: orgId, keys: keys.map(toJsonKey) }));
    return;
  }
  if (keys.length === 0) {
    output.out(`Organization ${orgId} has no API keys.`);
    return;
  }
  const rows = keys.map((key) => [
    key.id,
    key.name,
    key.prefix,
    key.revokedAt === null ? "active" : "revoked",
    formatTime(key.createdAt),
    formatTime(key.lastUsedAt),
    formatTime(key.revokedAt),
  ]);
  output.out(renderTable(["ID", "NAME", "PREFIX", "STATUS", "CREATED", "LAST USED", "REVOKED"], rows));
}
