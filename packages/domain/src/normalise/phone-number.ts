import { type CountryCode, isSupportedCountry, parsePhoneNumberFromString } from "libphonenumber-js";

// Re-exported so apps can name a region without depending on libphonenumber-js themselves.
export type { CountryCode } from "libphonenumber-js";

/** Whether `region` is an ISO 3166-1 alpha-2 code (upper-case) that phone parsing knows, e.g. "US". */
export function isSupportedPhoneRegion(region: string): region is CountryCode {
  return isSupportedCountry(region);
}

/**
 * E.164 form (`+14155550132`) when `input` parses as a possible phone number, using
 * `defaultRegion` for numbers written without a country code; otherwise the trimmed input.
 * The whole input must be the number (no extracting a number out of surrounding text), and a
 * number with an extension keeps its trimmed input because E.164 cannot carry the extension.
 */
export function normalisePhoneNumber(input: string, defaultRegion: CountryCode): string {
  const trimmed = input.trim();
  const parsed = parsePhoneNumberFromString(trimmed, { defaultCountry: defaultRegion, extract: false });
  if (parsed === undefined || parsed.ext !== undefined || !parsed.isPossible()) {
    return trimmed;
  }
  return parsed.number;
}
