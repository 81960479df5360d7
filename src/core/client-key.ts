/**
 * The key a client's failed authentications are counted under: its address
 * (cf-connecting-ip), an IPv4 address as it is and an IPv6 address as its
 * /64 network, since one IPv6 client usually holds a whole /64 and could
 * otherwise take a fresh address for every few guesses.
 *
 * Layer: pure core.
 */

/** "ip:203.0.113.7", "ip6:2001:db8:0:1::/64"; "ip:unknown" without an address. */
export function clientKey(address: string | undefined | null): string {
  const text = (address ?? "").trim().toLowerCase();
  if (!text) return "ip:unknown";
  if (!text.includes(":")) return `ip:${text.slice(0, 64)}`;
  const groups = ipv6Groups(text);
  if (!groups) return `ip:${text.slice(0, 64)}`;
  return `ip6:${groups.slice(0, 4).join(":")}::/64`;
}

/** The eight groups of an IPv6 address (leading zeros dropped), or null when it is not one. */
function ipv6Groups(text: string): string[] | null {
  // An embedded IPv4 tail (::ffff:192.0.2.1) takes the last two groups.
  const address = text.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, a, b, c, d) => {
    const hex = (x: string, y: string) => ((Number(x) << 8) | Number(y)).toString(16);
    return `${hex(a, b)}:${hex(c, d)}`;
  });
  const halves = address.split("::");
  if (halves.length > 2) return null;
  const part = (s: string | undefined) => (s ? s.split(":") : []);
  const head = part(halves[0]);
  const tail = part(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return null;
  return groups.map((g) => g.replace(/^0+(?=.)/, ""));
}
