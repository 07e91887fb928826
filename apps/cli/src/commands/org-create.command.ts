import { createOrganization, type Prisma } from "@upsert/db";
import { CliError } from "../cli.errors";
import type { CliOutput } from "../cli.output";

export interface OrgCreateArgs {
  name: string;
  json: boolean;
}

/** Creates an organisation with its first API key and prints the key, which is never shown again. */
export async function runOrgCreateCommand(
  prisma: Prisma,
  args: OrgCreateArgs,
  output: CliOutput,
): Promise<void> {
  const name = args.name.trim();
  if (name.length === 0) throw new CliError("--name must not be empty");
  const { org, apiKey } = await createOrganization(prisma, { name });
  if (args.json) {
    output.out(JSON.stringify({ org_id: org.id, api_key: apiKey.secret }));
    return;
  }
  output.out(
    [
      `Created organization "${org.name}"`,
      `  org id:   ${org.id}`,
      `  key id:   ${apiKey.id} (${apiKey.name})`,
      `  api key:  ${apiKey.secret}`,
      "",
      "Store this API key now: it is shown once and cannot be retrieved again.",
    ].join("\n"),
  );
}
