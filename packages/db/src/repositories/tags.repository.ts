import {
  type CreateTagRequest,
  DomainError,
  normaliseTagName,
  type TagDetails,
  type UpdateTagRequest,
} from "@upsert/domain";
import { validate as isUuid, v7 as uuidv7 } from "uuid";
import { type PrismaClient, Prisma as PrismaNs } from "../generated/prisma/client";

const tagSelect = { id: true, objectType: true, name: true, color: true, createdAt: true } as const;

/**
 * Creates a tag. Names are unique per org and object type regardless of case; the unique index
 * on `name_normalized` decides (no check-then-insert race), and a clash becomes `conflict`.
 */
export async function createTag(
  prisma: PrismaClient,
  orgId: string,
  input: CreateTagRequest,
): Promise<TagDetails> {
  try {
    return await prisma.tag.create({
      data: {
        id: uuidv7(),
        orgId,
        objectType: input.object,
        name: input.name,
        nameNormalized: normaliseTagName(input.name),
        color: input.color,
      },
      select: tagSelect,
    });
  } catch (err) {
    throw nameClash(err, input.object, input.name);
  }
}

/** A clash on the unique name index becomes `conflict`; anything else is rethrown as it is. */
function nameClash(err: unknown, object: string, name: string): unknown {
  if (err instanceof PrismaNs.PrismaClientKnownRequestError && err.code === "P2002") {
    return new DomainError("conflict", `A ${object} tag named "${name}" already exists.`, undefined, {
      cause: err,
    });
  }
  return err;
}

/** One of the org's tags; null for an unknown id, another org's tag or a malformed id alike. */
export async function findTag(prisma: PrismaClient, orgId: string, id: string): Promise<TagDetails | null> {
  if (!isUuid(id)) return null;
  return prisma.tag.findFirst({ where: { id, orgId }, select: tagSelect });
}

/**
 * Renames and/or recolours one of the org's tags in one statement; null when there is no such
 * tag. A new name that another tag of the same object type has (in any case) is `conflict`.
 */
export async function updateTag(
  prisma: PrismaClient,
  orgId: string,
  id: string,
  input: UpdateTagRequest,
): Promise<TagDetails | null> {
  if (!isUuid(id)) return null;
  const name = input.name ?? undefined;
  const data = {
    ...(name === undefined ? {} : { name, nameNormalized: normaliseTagName(name) }),
    ...(input.color === undefined ? {} : { color: input.color }),
  };
  if (Object.keys(data).length === 0) return findTag(prisma, orgId, id);
  try {
    const [tag] = await prisma.tag.updateManyAndReturn({ where: { id, orgId }, data, select: tagSelect });
    return tag ?? null;
  } catch (err) {
    const object = (await findTag(prisma, orgId, id))?.objectType ?? "";
    throw nameClash(err, object, name ?? "");
  }
}

/**
 * Deletes one of the org's tags and, through the foreign key's cascade, its place on every
 * contact. False when there was no such tag. A write applying the tag at the same moment either
 * commits first (its row is then removed with the rest) or finds the tag gone and fails with
 * an unknown tag.
 */
export async function deleteTag(prisma: PrismaClient, orgId: string, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const { count } = await prisma.tag.deleteMany({ where: { id, orgId } });
  return count > 0;
}

/** The org's tags, optionally of one object type only, by object type and then name. */
export async function listTags(
  prisma: PrismaClient,
  orgId: string,
  filter: { object?: string } = {},
): Promise<TagDetails[]> {
  return prisma.tag.findMany({
    where: { orgId, ...(filter.object === undefined ? {} : { objectType: filter.object }) },
    select: tagSelect,
    orderBy: [{ objectType: "asc" }, { nameNormalized: "asc" }],
  });
}
