import { setTimeout as sleep } from "node:timers/promises";
import {
  type CreateCustomFieldRequest,
  type CustomFieldDetails,
  customFieldKeyOf,
  DomainError,
} from "@upsert/domain";
import { validate as isUuid, v7 as uuidv7 } from "uuid";
import { type PrismaClient, Prisma as PrismaNs } from "../generated/prisma/client";

const customFieldSelect = {
  id: true,
  entity: true,
  name: true,
  type: true,
  options: true,
  createdAt: true,
} as const;

/**
 * Creates a custom field. Names are unique per org and entity; the unique index decides (no
 * check-then-insert race), and a clash becomes `conflict`.
 */
export async function createCustomField(
  prisma: PrismaClient,
  orgId: string,
  input: CreateCustomFieldRequest,
): Promise<CustomFieldDetails> {
  try {
    return await prisma.customField.create({
      data: {
        id: uuidv7(),
        orgId,
        entity: input.entity,
        name: input.name,
        type: input.type,
        options: input.options,
      },
      select: customFieldSelect,
    });
  } catch (err) {
    if (err instanceof PrismaNs.PrismaClientKnownRequestError && err.code === "P2002") {
      throw new DomainError(
        "conflict",
        `A ${input.entity} custom field named "${input.name}" already exists.`,
        undefined,
        { cause: err },
      );
    }
    throw err;
  }
}

/** The org's custom fields (of one entity, when given), oldest first (ids are UUIDv7, so they break ties in order). */
export async function listCustomFields(
  prisma: PrismaClient,
  orgId: string,
  entity?: string,
): Promise<CustomFieldDetails[]> {
  return prisma.customField.findMany({
    where: { orgId, ...(entity === undefined ? {} : { entity }) },
    select: customFieldSelect,
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
}

/** One of the org's custom fields; null for an unknown id, another org's field or a malformed id alike. */
export async function findCustomField(
  prisma: PrismaClient,
  orgId: string,
  id: string,
): Promise<CustomFieldDetails | null> {
  if (!isUuid(id)) return null;
  return prisma.customField.findFirst({ where: { id, orgId }, select: customFieldSelect });
}

/** How long a delete waits for writes that may still have seen the field (each is one short statement). */
const inFlightWritesDeadlineMs = 3_000;

/**
 * Deletes one of the org's custom fields and its values on every contact; false when there was
 * no such field. From the moment the definition is gone, a write naming the field fails (its
 * snapshot no longer matches, and replanning finds the field unknown). A write that read the
 * definition just before may still be committing, so the values are removed only once every
 * transaction of this database that began before the definition went has ended: then none can
 * add one back. (Writes are single statements; should a transaction outlast the deadline, the
 * values are removed anyway.)
 */
export async function deleteCustomField(prisma: PrismaClient, orgId: string, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const { count } = await prisma.customField.deleteMany({ where: { id, orgId } });
  if (count === 0) return false;
  await waitForEarlierTransactions(prisma);
  const key = customFieldKeyOf(id);
  await prisma.$executeRaw`
    UPDATE contacts
       SET custom_fields = custom_fields - ${key}::text, field_provenance = field_provenance - ${key}::text
     WHERE org_id = ${orgId}::uuid AND custom_fields ? ${key}::text`;
  return true;
}

/**
 * Waits until every other session of this database that is inside a transaction begun before
 * now has finished it. By start time rather than by transaction id: a write statement that has
 * read the definition but not yet written anything has no transaction id yet.
 */
async function waitForEarlierTransactions(prisma: PrismaClient): Promise<void> {
  const [start] = await prisma.$queryRaw<{ at: Date }[]>`SELECT clock_timestamp() AS at`;
  const since = start?.at ?? new Date();
  const deadline = Date.now() + inFlightWritesDeadlineMs;
  while (Date.now() < deadline) {
    const [running] = await prisma.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()
         AND xact_start < ${since}`;
    if ((running?.n ?? 0) === 0) return;
    await sleep(20);
  }
}
