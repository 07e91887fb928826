import { type Prisma, revokeApiKey } from "@upsert/db";
import { CliError, parseUuidArgument } from "../cli.errors";
import type { CliOutput } from "../cli.output";

export interface KeyRevokeArgs {
  keyId: string;
  json: boolean;
}

/** How long a running API may keep accepting a revoked key: the lifetime of its key cache. */
export const keyCacheTtlSeconds = 60;

/** Revokes a key; revoking an already revoked key succeeds and reports the original time. */
export async function runKeyRevokeCommand(
  prisma: Prisma,
  args: KeyRevokeArgs,
  output: CliOutput,
): Promise<void> {
  const keyId = parseUuidArgument(args.keyId, "key id");
  const requestedAt = new Date();
  const key = await revokeApiKey(prisma, keyId, requestedAt);
  if (key === null) throw new CliError(`API key ${keyId} does not exist`);
  const revokedAt = key.revokedAt ?? requestedAt;
  if (args.json) {
    output.out(JSON.stringify({ key_id: key.id, org_id: key.orgId, revoked_at: revokedAt.toISOString() }));
    return;
  }
  const alreadyRevoked = revokedAt.getTime() !== requestedAt.getTime();
  output.out(
    [
      alreadyRevoked
        ? `API key ${key.id} ("${key.name}", ${key.prefix}…) was already revoked at ${revokedAt.toISOString()}.`
        : `Revoked API key ${key.id} ("${key.name}", ${key.prefix}…) of organization ${key.orgId}.`,
      `Running API processes cache keys, so they may accept it for up to ${keyCacheTtlSeconds} s more.`,
    ].join("\n"),
  );
}
