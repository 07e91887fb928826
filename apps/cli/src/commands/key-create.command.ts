import { createApiKey, findOrganization, type Prisma } from "@upsert/db";
import { CliError, parseUuidArgument } from "../cli.errors";
import type { CliOutput } from "../cli.output";

export interface KeyCreateArgs {
  org: string;
  name?: string;
  json: boolean;
}

/** Issues another API key for an organisation (e.g. to rotate one) and prints it once. */
export async function runKeyCreateCommand(
  prisma: Prisma,
  args: KeyCreateArgs,
  output: CliOutput,
): Promise<void> {
  const orgId = parseUuidArgument(args.org, "--org");
  const name = args.name?.trim();
  if (name !== undefined && name.length === 0) throw new CliError("--name must not be empty");
  if ((await findOrganization(prisma, orgId)) === null) {
    throw new CliError(`organization ${orgId} does not exist`);
  }
  const key = await createApiKey(prisma, { orgId, name });
  if (args.json) {
    output.out(
      JSON.stringify({
        org_id: key.orgId,
        key_id: key.id,
        name: key.name,
        prefix: key.prefix,
        api_key: key.secret,
      }),
    );
    return;
  }
  output.out(
    [
      `Created API key "${key.name}" for organization ${key.orgId}`,
      `  key id:   ${key.id}`,
      `  api key:  ${key.secret}`,
      "",
      "Store this API key now: it is shown once and cannot be retrieved again.",
    ].join("\n"),
  );
}
