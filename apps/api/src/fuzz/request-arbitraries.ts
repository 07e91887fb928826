import { brotliCompressSync, deflateSync, gzipSync, constants as zlibConstants } from "node:zlib";
import fc from "fast-check";
import { type FuzzFixtures, type FuzzRequest, jsonBytes, rawFuzzRequest } from "./fuzz-client";

// ---- values -------------------------------------------------------------------------------

const trickyStrings = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\ud800",
  "x\udc00y",
  "\udc00\ud800",
  "🚀",
  "\ufeff",
  "\u200b",
  "\u202e",
  "ｄｕｐ＠ａｃｍｅ．ｃｏｍ",
  "dup@ａｃｍｅ.com",
  "dup@acme。com",
  "dup@bücher.de",
  "<script>alert(1)</script>",
  "' OR 1=1 --",
  "%zz",
  "../../etc/passwd",
  "null",
  "0",
  "\r\n",
  "\t",
  "custom_field_",
  "__proto__",
  "constructor",
  "𝓙𝓪𝓷𝓮",
  "İ",
  "ß",
  "e\u0301",
];

// Code units with surrogates over-represented, so lone ones occur often.
const codeUnitString = fc
  .array(fc.oneof(fc.integer({ min: 0xd800, max: 0xdfff }), fc.integer({ min: 0, max: 0xffff })), {
    maxLength: 12,
  })
  .map((units) => String.fromCharCode(...units));

const text: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...trickyStrings) },
  { weight: 2, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 30 }) },
  { weight: 2, arbitrary: codeUnitString },
  // Past every length limit (255 for text, 10,000 for custom-field strings).
  { weight: 1, arbitrary: fc.integer({ min: 90, max: 12_000 }).map((n) => "x".repeat(n)) },
);

const jsonScalar = fc.oneof(
  { weight: 4, arbitrary: text },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
);
const jsonValue = fc.oneof(
  { weight: 4, arbitrary: jsonScalar },
  { weight: 1, arbitrary: fc.array(jsonScalar, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(text, jsonScalar, { maxKeys: 4 }) },
);

/** `arbitrary` in `weight` out of `weight + absentWeight` cases, otherwise undefined. */
const sometimes = <T>(arbitrary: fc.Arbitrary<T>, weight: number, absentWeight: number) =>
  fc.oneof({ weight, arbitrary }, { weight: absentWeight, arbitrary: fc.constant(undefined) });

/** Mostly a plausible value for the field, sometimes anything at all. */
const field = <T>(good: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 12, arbitrary: good }, { weight: 1, arbitrary: jsonValue });

/** Free text: mostly ordinary (any script, emoji), sometimes the tricky kind. */
const prose = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }) },
  { weight: 1, arbitrary: text },
);

const plainName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ]{0,19}$/);
const email = fc.oneof(
  { weight: 8, arbitrary: fc.stringMatching(/^[a-z][a-z0-9]{0,15}$/).map((local) => `${local}@acme.com`) },
  { weight: 1, arbitrary: fc.emailAddress() },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "jane@acme.com",
      " Jane@Acme.COM ",
      "dup@ａｃｍｅ.com",
      "dup@acme。com",
      "dup@bücher.de",
      "dup@xn--bcher-kva.de",
      "jane@acme.com.",
      "not-an-email",
      "a@b",
      "@acme.com",
      "jane@acme.com\u0000",
      "ja\ud800ne@acme.com",
    ),
  },
);
const linkedinSlug = fc.stringMatching(/^[a-z][a-z0-9-]{1,18}[a-z0-9]$/);
const linkedinProfile = fc.oneof(
  { weight: 4, arbitrary: linkedinSlug.map((slug) => `https://linkedin.com/in/${slug}`) },
  fc.constantFrom(
    "https://www.linkedin.com/in/jane/",
    "linkedin.com/in/j%C3%A9r%C3%B4me",
    "https://linkedin.com/in/%zz",
    "https://linkedin.com/company/acme",
    "https://evil.example/in/jane",
  ),
);
const linkedinCompany = fc.oneof(
  { weight: 4, arbitrary: linkedinSlug.map((slug) => `https://linkedin.com/company/${slug}`) },
  fc.constantFrom(
    "https://uk.linkedin.com/company/Acme-UK/?trk=x",
    "linkedin.com/company/acme%00",
    "https://linkedin.com/in/jane",
  ),
);
const domain = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,15}[a-z0-9]$/).map((label) => `${label}.com`),
  },
  fc.domain(),
  fc.webUrl(),
  fc.constantFrom(
    "acme.com",
    "https://www.Acme.co.uk/x",
    "bücher.de",
    "xn--bcher-kva.de",
    "localhost",
    "127.0.0.1",
    "acme.com.",
    "a..b",
    "ａｃｍｅ.com",
  ),
);
const phone = fc.constantFrom(
  "+14155550132",
  "(415) 555-0132",
  "+33 1 23 45 67 89",
  "123",
  "phone",
  "+999999999999999999",
);
const idempotencyKey = fc.oneof(
  // A small pool, so keys are reused: with the same body (a replay) and with another (422).
  { weight: 3, arbitrary: fc.constantFrom("key-1", "key-2", "key-3") },
  { weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom("", "x".repeat(255), "x".repeat(256)) },
);

const validEmail = fc.oneof(
  { weight: 8, arbitrary: fc.stringMatching(/^[a-z][a-z0-9]{0,15}$/).map((local) => `${local}@acme.com`) },
  {
    weight: 1,
    arbitrary: fc.constantFrom("Jane@Acme.COM", "dup@ａｃｍｅ.com", "dup@bücher.de", "dup@xn--bcher-kva.de"),
  },
);
// Mostly fresh; now and then from the shared pool, which replays or is refused as reused.
const cleanIdempotencyKey = fc.oneof(
  { weight: 4, arbitrary: fc.uuid() },
  { weight: 1, arbitrary: fc.constantFrom("key-1", "key-2", "key-3") },
);
const validDomain = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}[a-z0-9]$/).map((label) => `${label}.com`);

/**
 * A body whose identifier is there most of the time (without it every body is the same 422),
 * whose other fields may hold anything, with extra keys now and then.
 */
function messyBody(
  identifier: Record<string, fc.Arbitrary<unknown>>,
  fields: Record<string, fc.Arbitrary<unknown>>,
  extraKeys: fc.Arbitrary<Record<string, unknown>>,
): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .tuple(
      sometimes(fc.record(identifier), 6, 1),
      fc.record(fields, { requiredKeys: [] }),
      sometimes(extraKeys, 1, 3),
    )
    .map(([id, known, extra]) => ({ ...extra, ...id, ...known }));
}

/** A contact upsert: half of them valid throughout, the others with anything in any field. */
function contactBody(fixtures: FuzzFixtures) {
  const { numberKey, enumKey, enumOptions } = fixtures.customFields;
  const clean = fc.record(
    {
      email: validEmail,
      linkedin_url: linkedinSlug.map((slug) => `https://linkedin.com/in/${slug}`),
      first_name: plainName,
      last_name: plainName,
      title: plainName,
      phone_number: fc.constantFrom("+14155550132", "(415) 555-0132", null),
      domain: validDomain,
      do_not_contact: fc.boolean(),
      tags: fc.array(fc.constantFrom(...fixtures.tagIds), { maxLength: 3 }),
      idempotency_key: cleanIdempotencyKey,
      [numberKey]: fc.integer(),
      [enumKey]: fc.constantFrom(...enumOptions),
    },
    { requiredKeys: ["email"] },
  );
  const uuidLike = fc.oneof(
    fc.uuid(),
    fc.uuid().map((id) => id.toUpperCase()),
    fc.constantFrom(...fixtures.accountIds),
  );
  const tagId = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...fixtures.tagIds) },
    { weight: 2, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: text },
  );
  const customFieldKey = fc.oneof(
    fc.constantFrom(numberKey, enumKey),
    fc
      .constantFrom(numberKey, enumKey)
      .map((key) => key.toUpperCase().replace("CUSTOM_FIELD_", "custom_field_")),
    fc.uuid().map((id) => `custom_field_${id}`),
    text,
  );
  const messy = messyBody(
    { email: field(email) },
    {
      linkedin_url: field(linkedinProfile),
      first_name: field(plainName),
      last_name: field(prose),
      title: field(prose),
      phone_number: field(phone),
      location: field(prose),
      account_id: field(uuidLike),
      domain: field(domain),
      do_not_contact: field(fc.boolean()),
      tags: field(fc.array(tagId, { maxLength: 5 })),
      idempotency_key: field(idempotencyKey),
    },
    fc.dictionary(customFieldKey, jsonValue, { minKeys: 1, maxKeys: 3 }),
  );
  return fc.oneof(clean, messy);
}

/** An account upsert: half of them valid throughout, the others with anything in any field. */
function accountBody() {
  const clean = fc.record(
    {
      domain: validDomain,
      name: plainName,
      linkedin_url: linkedinSlug.map((slug) => `https://linkedin.com/company/${slug}`),
      status: fc.constantFrom("NEW", "CUSTOMER", null),
      notes: plainName,
      idempotency_key: cleanIdempotencyKey,
    },
    { requiredKeys: ["domain"] },
  );
  const extraKey = fc.oneof(fc.constantFrom("owner", "tags", "custom_field_x"), text);
  const messy = messyBody(
    { domain: field(domain) },
    {
      name: field(prose),
      linkedin_url: field(linkedinCompany),
      status: field(fc.constantFrom("NEW", "CUSTOMER", "")),
      notes: field(prose),
      idempotency_key: field(idempotencyKey),
    },
    fc.dictionary(extraKey, jsonValue, { minKeys: 1, maxKeys: 2 }),
  );
  return fc.oneof(clean, messy);
}

const tagBody = fc.record(
  {
    object: field(fc.constantFrom("contacts", "accounts", "opportunities")),
    name: field(plainName),
    color: field(fc.constantFrom("green", "blue", "red", null, "orange")),
  },
  { requiredKeys: [] },
);

const customFieldBody = fc.record(
  {
    entity: field(fc.constantFrom("contacts", "accounts")),
    name: field(plainName),
    type: field(fc.constantFrom("string", "number", "boolean", "date", "enum")),
    options: field(fc.array(fc.oneof(plainName, text), { maxLength: 5 })),
  },
  { requiredKeys: [] },
);

/** A JSON value as bytes: mostly well-formed, sometimes broken in the ways clients break it. */
function bodyBytes(value: fc.Arbitrary<unknown>): fc.Arbitrary<Buffer> {
  return fc.oneof(
    { weight: 40, arbitrary: value.map(jsonBytes) },
    // Cut short anywhere.
    { weight: 2, arbitrary: fc.tuple(value, fc.nat()).map(([v, at]) => jsonBytes(v).subarray(0, at % 40)) },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(
          "",
          "null",
          "[]",
          '"str"',
          "123",
          "{",
          '{"a":}',
          "{'a':1}",
          "\ufeff{}",
          '{"a":1,}',
          "NaN",
        )
        .map((body) => Buffer.from(body)),
    },
    // Bytes that are not UTF-8, or a raw NUL inside a string, spliced into valid JSON.
    {
      weight: 3,
      arbitrary: fc
        .tuple(value, fc.constantFrom([0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0x00], [0xe9]))
        .map(([v, bytes]) => {
          const text = JSON.stringify(v);
          const quote = text.indexOf('"', 2);
          const at = quote === -1 ? text.length : quote;
          return Buffer.concat([
            Buffer.from(text.slice(0, at)),
            Buffer.from(bytes),
            Buffer.from(text.slice(at)),
          ]);
        }),
    },
    // Over the 256 KiB limit, and deeply nested.
    { weight: 1, arbitrary: fc.constant(Buffer.from(`{"notes":"${"x".repeat(270_000)}"}`)) },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 1_000, max: 20_000 })
        .map((depth) => Buffer.from(`${"[".repeat(depth)}${"]".repeat(depth)}`)),
    },
  );
}

// ---- paths ----------------------------------------------------------------------------------

const percentEncodeBytes = (bytes: Uint8Array) =>
  [...bytes].map((byte) => `%${byte.toString(16).padStart(2, "0").toUpperCase()}`).join("");
// What Node's HTTP client sends unescaped in a path: printable ASCII and Latin-1 (as bytes).
const pathChar = fc.oneof(
  fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)),
  fc.integer({ min: 0xa1, max: 0xff }).map((code) => String.fromCharCode(code)),
);

const pathJunk = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "%zz",
      "%",
      "%E0%A4%A",
      "%ED%A0%80",
      "%C0%AF",
      "%00",
      "%FF",
      "%2F",
      "%252F",
      "%u0041",
      "..",
      ".",
      "",
      "not-a-uuid",
      "%F0%9F%9A%80",
      "__proto__",
      "constructor",
    ),
  },
  {
    weight: 2,
    arbitrary: fc.string({ unit: "grapheme", maxLength: 20 }).map((s) => percentEncodeBytes(Buffer.from(s))),
  },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 12 }).map(percentEncodeBytes) },
  { weight: 2, arbitrary: fc.string({ unit: pathChar, minLength: 1, maxLength: 20 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 9_000 }).map((n) => "a".repeat(n)) },
  // Over Node's 16 KiB limit on the request line and headers: a 431.
  { weight: 1, arbitrary: fc.integer({ min: 17_000, max: 20_000 }).map((n) => "b".repeat(n)) },
);

const idSegment = (known: string[]) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...known) },
    { weight: 1, arbitrary: fc.constantFrom(...known).map((id) => id.toUpperCase()) },
    { weight: 2, arbitrary: fc.uuid() },
    { weight: 4, arbitrary: pathJunk },
  );

const query = fc.oneof(
  { weight: 6, arbitrary: fc.constant("") },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "?object=contacts",
      "?object=accounts",
      "?object=bogus",
      "?object=%zz",
      "?object[]=contacts",
      "?object=contacts&object=accounts",
      "?object[a]=1",
      "?%zz=1",
      "?",
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: pathChar, maxLength: 30 }).map((s) => `?${s}`) },
);

/** Variations of a whole path: case, slashes, dot segments; Express matches case-insensitively. */
const pathVariant = fc.oneof(
  { weight: 20, arbitrary: fc.constant((path: string) => path) },
  {
    weight: 6,
    arbitrary: fc.constantFrom<(path: string) => string>(
      (path) => `${path}/`,
      (path) => path.replace("/v1/", "//v1//"),
      (path) => path.toUpperCase(),
      (path) => path.replace("/v1/", "/v1/./"),
      (path) => path.replace("/v1/", "/v2/../v1/"),
      (path) => `${path}#fragment`,
    ),
  },
);

const customFieldIdsOf = (fixtures: FuzzFixtures) =>
  [fixtures.customFields.numberKey, fixtures.customFields.enumKey].map((key) =>
    key.slice("custom_field_".length),
  );

interface RouteSpec {
  /** How often, relative to the others: the intake routes get the most. */
  weight: number;
  method: string;
  path: fc.Arbitrary<string>;
  body?: fc.Arbitrary<unknown>;
}

function routeSpecs(fixtures: FuzzFixtures): RouteSpec[] {
  return [
    { weight: 8, method: "PUT", path: fc.constant("/v1/contacts"), body: contactBody(fixtures) },
    { weight: 4, method: "PUT", path: fc.constant("/v1/accounts"), body: accountBody() },
    { weight: 2, method: "POST", path: fc.constant("/v1/tags"), body: tagBody },
    { weight: 1, method: "GET", path: query.map((q) => `/v1/tags${q}`) },
    { weight: 1, method: "GET", path: idSegment(fixtures.tagIds).map((id) => `/v1/tags/${id}`) },
    {
      weight: 1,
      method: "PATCH",
      path: idSegment(fixtures.tagIds).map((id) => `/v1/tags/${id}`),
      body: tagBody,
    },
    { weight: 2, method: "POST", path: fc.constant("/v1/custom-fields"), body: customFieldBody },
    { weight: 1, method: "GET", path: query.map((q) => `/v1/custom-fields${q}`) },
    {
      weight: 1,
      method: "GET",
      path: idSegment(customFieldIdsOf(fixtures)).map((id) => `/v1/custom-fields/${id}`),
    },
    { weight: 1, method: "GET", path: idSegment(fixtures.contactIds).map((id) => `/v1/contacts/${id}`) },
    {
      weight: 2,
      method: "POST",
      path: idSegment(fixtures.contactIds).map((id) => `/v1/contacts/${id}/enrich`),
    },
    { weight: 1, method: "GET", path: idSegment(fixtures.jobIds).map((id) => `/v1/jobs/${id}`) },
    { weight: 1, method: "GET", path: idSegment(fixtures.accountIds).map((id) => `/v1/accounts/${id}`) },
    {
      weight: 1,
      method: "GET",
      path: fc
        .oneof(fc.constantFrom("contacts", "accounts", "CONTACTS", "contacts "), pathJunk)
        .map((entity) => `/v1/schemas/${entity}`),
    },
    { weight: 1, method: "GET", path: fc.constantFrom("/healthz", "/readyz", "/metrics", "/") },
    { weight: 1, method: "GET", path: pathJunk.map((junk) => `/${junk}`) },
    { weight: 1, method: "GET", path: pathJunk.map((junk) => `/v1/${junk}`) },
  ];
}

// ---- headers --------------------------------------------------------------------------------

// What Node's HTTP client lets through in a header value: tab, printable ASCII and Latin-1.
const headerChar = fc.oneof(
  fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
  fc.integer({ min: 0x80, max: 0xff }).map((code) => String.fromCharCode(code)),
  fc.constant("\t"),
);
const headerText = (maxLength: number) => fc.string({ unit: headerChar, maxLength });

function authorization(fixtures: FuzzFixtures): fc.Arbitrary<string | undefined> {
  const own = fixtures.ownKey;
  return fc.oneof(
    { weight: 30, arbitrary: fc.constant(`Bearer ${own}`) },
    { weight: 2, arbitrary: fc.constant(`Bearer ${fixtures.otherOrgKey}`) },
    { weight: 2, arbitrary: fc.constant(undefined) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        "Bearer",
        "Bearer ",
        `bearer ${own}`,
        `BEARER   ${own}  `,
        `Basic ${Buffer.from("user:pass").toString("base64")}`,
        `Bearer ${own}x`,
        `Bearer ${own.slice(0, -1)}`,
        "Bearer mks_",
        `Token ${own}`,
        `Bearer ${own} extra`,
        `Bearer ${"a".repeat(5_000)}`,
      ),
    },
    { weight: 1, arbitrary: headerText(60).map((s) => `Bearer mks_${s}`) },
    { weight: 1, arbitrary: headerText(60) },
  );
}

const contentType = fc.oneof(
  { weight: 30, arbitrary: fc.constant("application/json") },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      undefined,
      "application/json; charset=utf-8",
      "application/json; charset=UTF-8",
      "application/json; charset=utf-16le",
      "application/json; charset=latin1",
      "application/json; charset=bogus",
      "application/merge-patch+json",
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/json;",
      'application/json; charset="',
      "*/*",
      "",
      "APPLICATION/JSON",
      "application/json, text/plain",
    ),
  },
  { weight: 1, arbitrary: headerText(40) },
);

const contentEncoding = fc.oneof(
  { weight: 20, arbitrary: fc.constant(undefined) },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      "identity",
      "gzip",
      "deflate",
      "br",
      "GZIP",
      "gzip, deflate",
      "compress",
      "x-bogus",
      "",
    ),
  },
);

// The fastest settings: what is fuzzed is the decoding, and brotli's default takes 100s of ms.
const compressors: Record<string, (body: Buffer) => Buffer> = {
  gzip: (body) => gzipSync(body, { level: 1 }),
  deflate: (body) => deflateSync(body, { level: 1 }),
  br: (body) => brotliCompressSync(body, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 1 } }),
};

const headerSet = (fixtures: FuzzFixtures): fc.Arbitrary<GeneratedHeaders> =>
  fc.record({
    authorization: authorization(fixtures),
    "content-type": contentType,
    "content-encoding": contentEncoding,
    compressBody: fc.boolean(),
    chunked: fc.boolean(),
    "idempotency-key": sometimes(
      fc.oneof(
        idempotencyKey.filter((key) => /^[\t\x20-\x7e\x80-\xff]*$/.test(key)),
        headerText(300),
      ),
      1,
      3,
    ),
    "x-request-id": sometimes(fc.oneof(fc.uuid(), headerText(200)), 1, 4),
    // Waits stay short: the fuzz API runs no worker, so a wait lasts its whole N (capped at 1 s
    // by the test's PREFER_WAIT_MAX_S).
    prefer: sometimes(
      fc.oneof(
        {
          weight: 6,
          arbitrary: fc.constantFrom(
            "wait=0",
            "respond-async",
            "respond-async, wait=0",
            "wait=abc",
            "wait=-1",
            "wait=",
            "wait=1.5",
            "return=minimal",
            "wait=0, wait=0",
            'wait="0"',
          ),
        },
        { weight: 1, arbitrary: fc.constantFrom("wait=1", "wait=99999999999999999999") },
        { weight: 2, arbitrary: headerText(60) },
      ),
      1,
      4,
    ),
    accept: sometimes(fc.constantFrom("application/json", "text/html", "*/*", ""), 1, 4),
  });

const methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND", "SEARCH"];

interface GeneratedHeaders {
  authorization?: string | undefined;
  "content-type"?: string | undefined;
  "content-encoding"?: string | undefined;
  compressBody?: boolean;
  chunked?: boolean;
  "idempotency-key"?: string | undefined;
  "x-request-id"?: string | undefined;
  prefer?: string | undefined;
  accept?: string | undefined;
}

function toHttpRequest(
  method: string,
  path: string,
  body: Buffer | undefined,
  generated: GeneratedHeaders,
): FuzzRequest {
  const headers: Record<string, string> = {};
  for (const name of [
    "authorization",
    "content-type",
    "idempotency-key",
    "x-request-id",
    "prefer",
    "accept",
  ] as const) {
    const value = generated[name];
    if (value !== undefined) headers[name] = value;
  }
  let bytes = body;
  const encoding = generated["content-encoding"];
  if (encoding !== undefined) {
    headers["content-encoding"] = encoding;
    const compress = compressors[encoding];
    if (bytes && generated.compressBody && compress) bytes = compress(bytes);
  }
  // Node's client sends a GET body without Content-Length (for the server, a second request):
  // say how the body is delimited, always.
  if (bytes && generated.chunked) headers["transfer-encoding"] = "chunked";
  else if (bytes) headers["content-length"] = String(bytes.length);
  // Node's HTTP client refuses a path with characters outside 0x21-0xFF: those go percent-encoded
  // (raw requests send any bytes).
  const sendable = path.replace(/[^\u0021-\u00ff]/gu, (char) => percentEncodeBytes(Buffer.from(char)));
  return { kind: "http", method, path: sendable, headers, ...(bytes ? { body: bytes } : {}) };
}

function httpRequest(fixtures: FuzzFixtures): fc.Arbitrary<FuzzRequest> {
  const routes = routeSpecs(fixtures).map((route) => ({
    weight: route.weight,
    arbitrary: fc.constant(route),
  }));
  return fc.oneof(...routes).chain((route) =>
    fc
      .tuple(
        fc.oneof(
          { weight: 12, arbitrary: fc.constant(route.method) },
          { weight: 1, arbitrary: fc.constantFrom(...methods) },
        ),
        fc.tuple(route.path, pathVariant).map(([path, vary]) => vary(path)),
        route.body
          ? fc.option(bodyBytes(route.body), { freq: 15, nil: undefined })
          : sometimes(bodyBytes(jsonValue), 1, 6),
        headerSet(fixtures),
      )
      .map(([method, path, body, headers]) => toHttpRequest(method, path, body, headers)),
  );
}

// ---- raw requests ---------------------------------------------------------------------------

const safeHeaderBytes = fc
  .uint8Array({ minLength: 1, maxLength: 30 })
  // No CR or LF: one header block per request, so nothing is pipelined by accident.
  .map((bytes) => Buffer.from(bytes.filter((byte) => byte !== 0x0d && byte !== 0x0a)).toString("latin1"));

function rawRequest(fixtures: FuzzFixtures): fc.Arbitrary<FuzzRequest> {
  const close = "Connection: close\r\n\r\n";
  return fc
    .oneof(
      fc
        .stringMatching(/^[A-Za-z_-]{1,12}$/)
        .map((method) => `${method} /v1/contacts HTTP/1.1\r\nHost: api\r\n${close}`),
      fc
        .tuple(fc.constantFrom("ZZ", "-1", "0x10", "ffffffffffffffffffffff", "g"), fc.boolean())
        .map(
          ([size, withKey]) =>
            `PUT /v1/contacts HTTP/1.1\r\nHost: api\r\n${withKey ? `Authorization: Bearer ${fixtures.ownKey}\r\n` : ""}` +
            `Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${size}\r\n{}\r\n0\r\n\r\n`,
        ),
      fc
        .tuple(fc.oneof(fc.constant("X-Fuzz"), safeHeaderBytes), safeHeaderBytes)
        .map(([name, value]) => `GET /v1/tags HTTP/1.1\r\nHost: api\r\n${name}: ${value}\r\n${close}`),
      safeHeaderBytes
        .filter((path) => !path.includes(" "))
        .map((path) => `GET /${path} HTTP/1.1\r\nHost: api\r\n${close}`),
      fc
        .constantFrom("HTTP/1.0", "HTTP/2", "HTTP/1.9", "http/1.1", "HTTP/1", "HTTP/11", "")
        .map((version) => `GET /healthz ${version}\r\nHost: api\r\n${close}`),
      fc
        .constantFrom("abc", "-1", "1.5", "99999999999999999999999", "0x10", "1 2", "+1", "", "1, 2")
        .map((length) => `PUT /v1/contacts HTTP/1.1\r\nHost: api\r\nContent-Length: ${length}\r\n${close}`),
      fc
        .constantFrom("gzip", "chunked, gzip", "identity", "chunked\u0000", "x")
        .map((te) => `PUT /v1/contacts HTTP/1.1\r\nHost: api\r\nTransfer-Encoding: ${te}\r\n${close}`),
    )
    .map((text) => rawFuzzRequest(text));
}

/** Every route, field, header and path form, as requests through Node's HTTP client or raw. */
export function fuzzRequestArbitrary(fixtures: FuzzFixtures): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(
    { weight: 9, arbitrary: httpRequest(fixtures) },
    { weight: 1, arbitrary: rawRequest(fixtures) },
  );
}
