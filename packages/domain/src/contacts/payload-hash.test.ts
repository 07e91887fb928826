import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { payloadHash, toCanonicalJson } from "./payload-hash";
import type { UpsertContactPayload } from "./upsert-payload";

const sha256Hex = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");

/** Rebuilds every object with its keys in a shuffled order (arrays keep their order). */
function reorderKeys(value: unknown, random: () => number): unknown {
  if (Array.isArray(value)) {
    return value.map((item) => reorderKeys(item, random));
  }
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).map(([key, member]) => [key, reorderKeys(member, random)] as const);
    for (let i = entries.length - 1; i > 0; i -= 1) {
      const j = Math.floor(random() * (i + 1));
      const swap = entries[i];
      const other = entries[j];
      if (swap !== undefined && other !== undefined) {
        entries[i] = other;
        entries[j] = swap;
      }
    }
    return Object.fromEntries(entries);
  }
  return value;
}

const payloadArbitrary: fc.Arbitrary<UpsertContactPayload> = fc.record(
  {
    email: fc.option(fc.emailAddress()),
    linkedin_url: fc.option(fc.string()),
    first_name: fc.option(fc.string()),
    last_name: fc.option(fc.string()),
    title: fc.option(fc.string()),
    phone_number: fc.option(fc.string()),
    location: fc.option(fc.string()),
    account_id: fc.option(fc.uuid()),
    domain: fc.option(fc.domain()),
    do_not_contact: fc.option(fc.boolean()),
    tags: fc.array(fc.uuid()),
    custom_fields: fc.dictionary(
      fc.uuid().map((id) => `custom_field_${id}`),
      fc.oneof(
        fc.string(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.boolean(),
        fc.constant(null),
      ),
    ),
  },
  { requiredKeys: [] },
);

describe("toCanonicalJson", () => {
  it("sorts object keys at every depth and keeps array order", () => {
    expect(toCanonicalJson({ b: 1, a: { d: [3, 1, { z: 0, y: 1 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,1,{"y":1,"z":0}]},"b":1}',
    );
  });

  it("encodes scalars like JSON.stringify", () => {
    expect(toCanonicalJson('é\n"')).toBe(JSON.stringify('é\n"'));
    expect(toCanonicalJson(1.5)).toBe("1.5");
    expect(toCanonicalJson(-0)).toBe("0");
    expect(toCanonicalJson(true)).toBe("true");
    expect(toCanonicalJson(null)).toBe("null");
  });

  it("leaves out undefined properties and writes undefined array items as null", () => {
    expect(toCanonicalJson({ a: undefined, b: [undefined, 1] })).toBe('{"b":[null,1]}');
  });

  it("sorts keys by UTF-16 code units, so upper case comes before lower case", () => {
    expect(toCanonicalJson({ b: 1, B: 2, a: 3, _: 4 })).toBe('{"B":2,"_":4,"a":3,"b":1}');
  });

  it("keeps a __proto__ key as data", () => {
    expect(toCanonicalJson(JSON.parse('{"__proto__":{"x":1},"a":1}'))).toBe('{"__proto__":{"x":1},"a":1}');
  });

  it.each([[Number.NaN], [Number.POSITIVE_INFINITY], [10n], [undefined], [() => 1], [Symbol("s")]])(
    "refuses %s rather than changing it",
    (value) => {
      expect(() => toCanonicalJson(value)).toThrow(TypeError);
    },
  );

  it("agrees with JSON.parse: the canonical text parses back to an equal value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(JSON.parse(toCanonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });
});

describe("payloadHash", () => {
  it("is the lower-case hex SHA-256 of the canonical JSON, with the email normalised", () => {
    expect(payloadHash({})).toBe("44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
    const payload: UpsertContactPayload = {
      tags: ["0b6f3c1e-8d2a-4f5b-9c7e-1a2b3c4d5e6f"],
      email: "Jane@acme.com",
      first_name: null,
      custom_fields: { "custom_field_0b6f3c1e-8d2a-4f5b-9c7e-1a2b3c4d5e6f": 3 },
    };
    expect(payloadHash(payload)).toBe(
      sha256Hex(
        '{"custom_fields":{"custom_field_0b6f3c1e-8d2a-4f5b-9c7e-1a2b3c4d5e6f":3},"email":"jane@acme.com","first_name":null,"tags":["0b6f3c1e-8d2a-4f5b-9c7e-1a2b3c4d5e6f"]}',
      ),
    );
    expect(payloadHash(payload)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("does not depend on key order", () => {
    fc.assert(
      fc.property(payloadArbitrary, fc.integer(), (payload, seed) => {
        const random = mulberry32(seed);
        const reordered = reorderKeys(payload, random) as UpsertContactPayload;
        expect(payloadHash(reordered)).toBe(payloadHash(payload));
      }),
    );
  });

  it("tells apart a cleared field, an absent field and a changed value", () => {
    const hashes = new Set([
      payloadHash({ email: "jane@acme.com" }),
      payloadHash({ email: "jane@acme.com", title: null }),
      payloadHash({ email: "jane@acme.com", title: "CTO" }),
      payloadHash({ email: "jane@acme.co" }),
      payloadHash({
        email: "jane@acme.com",
        custom_fields: { "custom_field_0b6f3c1e-8d2a-4f5b-9c7e-1a2b3c4d5e6f": "1" },
      }),
      payloadHash({
        email: "jane@acme.com",
        custom_fields: { "custom_field_0b6f3c1e-8d2a-4f5b-9c7e-1a2b3c4d5e6f": 1 },
      }),
    ]);
    expect(hashes.size).toBe(6);
  });

  it("hashes every form of one mailbox the same, and other mailboxes differently", () => {
    const forms = ["dup@acme.com", "DUP@ACME.COM", "dup@ａｃｍｅ.com", "dup@acme\u3002com", "dup@acme.com."];
    const hashes = new Set(forms.map((email) => payloadHash({ email, title: "CTO" })));
    expect(hashes.size).toBe(1);
    expect(payloadHash({ email: "dup@bücher.de" })).toBe(payloadHash({ email: "dup@xn--bcher-kva.de" }));
    expect(payloadHash({ email: "dup@mail.acme.com" })).not.toBe(payloadHash({ email: "dup@acme.com" }));
    // Without an email, or with one that is not an address, the payload is hashed as it is.
    expect(payloadHash({ title: "CTO" })).toBe(sha256Hex('{"title":"CTO"}'));
    expect(payloadHash({ email: "Not An Address" })).toBe(sha256Hex('{"email":"Not An Address"}'));
  });

  it("changes when any field's value changes", () => {
    fc.assert(
      fc.property(payloadArbitrary, fc.string(), (payload, title) => {
        fc.pre(payload.title !== title);
        expect(payloadHash({ ...payload, title })).not.toBe(payloadHash(payload));
      }),
    );
  });
});

/** Small seeded PRNG so a failing shuffle can be replayed from fast-check's seed. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
