/** mulberry32: a small seedable generator, so a failing history can be replayed from its seed. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A small pool of identities, so that collisions and identifier changes are frequent. */
export interface IdentityPool {
  emails: string[];
  linkedins: string[];
  domains: string[];
  /** Tag ids that exist for contacts. */
  tagIds?: string[];
  /** `custom_field_<uuid>` keys of string fields. */
  customFieldKeys?: string[];
}

export const defaultIdentityPool: IdentityPool = {
  emails: [
    "ann@acme.com",
    "ANN@acme.com",
    "bob@acme.com",
    "cat@globex.com",
    "dan@gmail.com",
    "eve@initech.io",
  ],
  linkedins: [
    "https://linkedin.com/in/ann",
    "https://linkedin.com/in/bob",
    "https://www.linkedin.com/in/Cat/",
  ],
  domains: ["acme.com", "globex.com", "initech.io"],
};

const titles = ["CEO", "CTO", "Engineer", null];
const locations = ["Oslo", "Lima", null];
const names = ["Ann", "Bob", "Cat", null];

/** One random upsert body over the pool: identifiers, nulls, tags and custom fields. */
export function randomUpsert(
  random: () => number,
  pool: IdentityPool = defaultIdentityPool,
): Record<string, unknown> {
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const body: Record<string, unknown> = {};
  if (random() < 0.75) body.email = pick(pool.emails);
  if (random() < 0.5 || body.email === undefined) body.linkedin_url = pick(pool.linkedins);
  if (body.email === undefined || random() < 0.2) body.domain = pick(pool.domains);
  if (random() < 0.6) body.title = pick(titles);
  if (random() < 0.4) body.location = pick(locations);
  if (random() < 0.3) body.first_name = pick(names);
  if (random() < 0.15) body.do_not_contact = random() < 0.5;
  if (pool.tagIds?.length && random() < 0.2) body.tags = [pick(pool.tagIds)];
  if (pool.customFieldKeys?.length && random() < 0.2)
    body[pick(pool.customFieldKeys)] = pick(["gold", "silver", null]);
  return body;
}
