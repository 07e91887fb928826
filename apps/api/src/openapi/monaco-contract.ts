/**
 * Reads two OpenAPI documents the same way, so ours can be compared with Monaco's operation by
 * operation: which operations both have, and for each its parameters, request fields with their
 * JSON types, success status and envelope keys, and the error envelope.
 */

export interface OpenApiLike {
  paths: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, unknown> };
}

type Schema = Record<string, unknown>;

const methods = ["get", "put", "post", "patch", "delete"] as const;

/** `/v1/contacts/` and `/v1/contacts` are one path (Express matches both); parameter names are kept. */
export function normalisePath(path: string): string {
  return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
}

export interface Operation {
  key: string;
  operation: Schema;
}

export function operationsOf(doc: OpenApiLike): Map<string, Operation> {
  const operations = new Map<string, Operation>();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of methods) {
      const operation = item[method];
      if (operation && typeof operation === "object") {
        const key = `${method.toUpperCase()} ${normalisePath(path)}`;
        operations.set(key, { key, operation: operation as Schema });
      }
    }
  }
  return operations;
}

export function resolve(doc: OpenApiLike, schema: unknown): Schema {
  let current = schema as Schema;
  for (let depth = 0; typeof current?.$ref === "string" && depth < 20; depth += 1) {
    const name = (current.$ref as string).split("/").at(-1) ?? "";
    current = (doc.components?.schemas?.[name] ?? {}) as Schema;
  }
  return current ?? {};
}

/** A schema's JSON types as one sorted string (`array<string>|null`); formats and limits are ignored. */
export function typeOf(doc: OpenApiLike, schema: unknown): string {
  const types = new Set<string>();
  const visit = (raw: unknown) => {
    const s = resolve(doc, raw);
    for (const key of ["anyOf", "oneOf", "allOf"] as const) {
      if (Array.isArray(s[key])) for (const part of s[key] as unknown[]) visit(part);
    }
    const declared = s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type];
    if (declared.length === 0 && "const" in s) declared.push(s.const === null ? "null" : typeof s.const);
    if (declared.length === 0 && Array.isArray(s.enum)) {
      for (const value of s.enum) declared.push(value === null ? "null" : typeof value);
    }
    for (const type of declared as string[]) {
      types.add(type === "array" ? `array<${typeOf(doc, s.items)}>` : type === "integer" ? "number" : type);
    }
  };
  visit(schema);
  return [...types].sort().join("|") || "any";
}

export function requestFieldsOf(doc: OpenApiLike, operation: Schema): Map<string, string> {
  const body = operation.requestBody as { content?: Record<string, { schema?: unknown }> } | undefined;
  const schema = resolve(doc, body?.content?.["application/json"]?.schema);
  const properties = (schema.properties ?? {}) as Record<string, unknown>;
  return new Map(Object.entries(properties).map(([name, field]) => [name, typeOf(doc, field)]));
}

/** `in:name` → type, for path and query parameters (headers are compared separately, by name). */
export function parametersOf(doc: OpenApiLike, operation: Schema): Map<string, string> {
  const parameters = (operation.parameters ?? []) as Array<{ in: string; name: string; schema?: unknown }>;
  return new Map(
    parameters
      .filter((p) => p.in === "path" || p.in === "query")
      .map((p) => [`${p.in}:${p.name}`, typeOf(doc, p.schema)]),
  );
}

export function requiredParametersOf(operation: Schema): string[] {
  const parameters = (operation.parameters ?? []) as Array<{ in: string; name: string; required?: boolean }>;
  return parameters
    .filter((p) => p.required && (p.in === "path" || p.in === "query"))
    .map((p) => `${p.in}:${p.name}`)
    .sort();
}

function responsesOf(operation: Schema): Record<string, { content?: Record<string, { schema?: unknown }> }> {
  return (operation.responses ?? {}) as Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

export function successStatusOf(operation: Schema): string | undefined {
  return Object.keys(responsesOf(operation)).find((status) => status.startsWith("2"));
}

export interface EnvelopeShape {
  /** Top-level keys and their types (`data` as object, array or absent for a 204). */
  keys: string;
  dataKind: string;
  metaKeys: string;
}

export function successEnvelopeOf(doc: OpenApiLike, operation: Schema): EnvelopeShape | undefined {
  const status = successStatusOf(operation);
  if (status === undefined) return undefined;
  const schema = resolve(doc, responsesOf(operation)[status]?.content?.["application/json"]?.schema);
  const properties = (schema.properties ?? {}) as Record<string, unknown>;
  const data = resolve(doc, properties.data);
  return {
    keys: Object.keys(properties).sort().join(","),
    dataKind:
      properties.data === undefined ? "none" : typeOf(doc, data).includes("array") ? "array" : "object",
    metaKeys: Object.keys((resolve(doc, properties.meta).properties ?? {}) as object)
      .sort()
      .join(","),
  };
}

/** The required fields of `error` (and their types) in every 4xx response of the operation. */
export function errorEnvelopesOf(doc: OpenApiLike, operation: Schema): Map<string, string> {
  const shapes = new Map<string, string>();
  for (const [status, response] of Object.entries(responsesOf(operation))) {
    if (!status.startsWith("4")) continue;
    const schema = resolve(doc, response.content?.["application/json"]?.schema);
    const error = resolve(doc, (schema.properties as Record<string, unknown> | undefined)?.error);
    const required = ((error.required ?? []) as string[]).slice().sort();
    const fields = required.map((name) => `${name}:${typeOf(doc, (error.properties as Schema)?.[name])}`);
    shapes.set(status, `${((schema.required ?? []) as string[]).join(",")}{${fields.join(",")}}`);
  }
  return shapes;
}

/** The property names of the success response's `data` (of its items, for a list). */
export function responseDataFieldsOf(doc: OpenApiLike, operation: Schema): string[] {
  const status = successStatusOf(operation);
  if (status === undefined) return [];
  const schema = resolve(doc, responsesOf(operation)[status]?.content?.["application/json"]?.schema);
  let data = resolve(doc, (schema.properties as Record<string, unknown> | undefined)?.data);
  if (data.type === "array") data = resolve(doc, data.items);
  return Object.keys((data.properties ?? {}) as object).sort();
}
