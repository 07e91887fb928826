// Postgres text and jsonb reject NUL (22021), and an unpaired surrogate cannot be encoded as
// UTF-8, so the driver would send U+FFFD in its place: one fails the write, the other changes the
// value without telling the caller. Text with either is refused before anything is stored.
const unpairedSurrogatePattern = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when Postgres stores `value` exactly as given: no NUL and well-formed UTF-16. */
export function isStorableText(value: string): boolean {
  return !value.includes("\u0000") && !unpairedSurrogatePattern.test(value);
}

/** The validation message for a text field that fails isStorableText. */
export function unstorableTextMessage(field: string): string {
  return `${field} must not contain NUL characters or invalid Unicode.`;
}
