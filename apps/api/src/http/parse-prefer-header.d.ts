// parse-prefer-header ships no types: it returns each preference under its camel-cased name, with
// its value, or `true` when it has none (`respond-async` → `respondAsync: true`).
declare module "parse-prefer-header" {
  function parsePreferHeader(
    prefer: string | string[] | undefined,
  ): Record<string, string | true | undefined>;
  export default parsePreferHeader;
}
