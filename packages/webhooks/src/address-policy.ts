import { lookup } from "node:dns/promises";
import ipaddr from "ipaddr.js";

/**
 * Whether a webhook may be sent to this address: only public unicast ones, the same rule the
 * delivery agent applies when it connects (request-filtering-agent: any ipaddr.js range but
 * `unicast` is refused), so loopback, private, link-local, unique-local, CGNAT, multicast and
 * reserved addresses are all out, and so are IPv4-mapped IPv6 forms of them.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === "unicast";
}

/**
 * Why a webhook URL cannot be used, or null when it can: its host must resolve, and (unless
 * `allowPrivate`) to public addresses only. Checked when the webhook is created; the delivery
 * agent checks the address it connects to again, so a name that later resolves elsewhere (DNS
 * rebinding) is refused at delivery time too.
 */
export async function findUrlProblem(
  url: string,
  options: { allowPrivate: boolean },
): Promise<string | null> {
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, "$1");
  let addresses: { address: string }[];
  try {
    addresses = await lookup(host, { all: true, verbatim: true });
  } catch {
    return `url's host ${host} does not resolve.`;
  }
  if (options.allowPrivate) return null;
  const refused = addresses.find((entry) => !isPublicAddress(entry.address));
  return refused
    ? `url's host ${host} resolves to ${refused.address}, a loopback, private or link-local address; webhooks are only sent to public addresses.`
    : null;
}
