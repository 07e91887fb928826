import { LRUCache } from "lru-cache";

/**
 * `normalise` with its last `max` answers kept (least recently used dropped first). For pure
 * functions of one string that a request calls several times on the same text (an email's domain
 * is checked by validation, by the identity keys and by account resolution), and that a batch
 * calls on the same few domains over and over.
 */
export function memoiseNormaliser<R extends string | null>(
  normalise: (input: string) => R,
  max = 10_000,
): (input: string) => R {
  // Boxed: lru-cache stores no null.
  const cache = new LRUCache<string, { value: R }>({ max });
  return (input) => {
    const cached = cache.get(input);
    if (cached !== undefined) return cached.value;
    const value = normalise(input);
    cache.set(input, { value });
    return value;
  };
}
