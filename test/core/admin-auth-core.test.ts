/**
 * The pure parts of admin authentication: which ADMIN_TOKEN may open the
 * admin surfaces (32 UTF-8 bytes or more), and the key a client's failed
 * attempts are counted under (IPv4 as it is, IPv6 as its /64).
 */
import { describe, expect, it } from "vitest";
import { adminTokenProblem, MIN_ADMIN_TOKEN_BYTES } from "../../src/core/admin-token.ts";
import { clientKey } from "../../src/core/client-key.ts";

describe("adminTokenProblem", () => {
  const cases: [string, string | undefined, ReturnType<typeof adminTokenProblem>][] = [
    ["missing", undefined, "no_admin_token"],
    ["empty", "", "no_admin_token"],
    ["one character", "x", "admin_token_too_short"],
    ["31 bytes", "x".repeat(31), "admin_token_too_short"],
    ["32 bytes", "x".repeat(32), null],
    ["openssl rand -base64 32 (44 characters)", `${"A".repeat(43)}=`, null],
    ["16 two-byte characters (32 bytes)", "\u00e9".repeat(16), null],
    [
      "15 two-byte characters and one byte (31 bytes)",
      `${"\u00e9".repeat(15)}x`,
      "admin_token_too_short",
    ],
  ];
  it.each(cases)("%s", (_name, token, problem) => {
    expect(adminTokenProblem(token)).toBe(problem);
  });

  it("the bound is 32 bytes", () => expect(MIN_ADMIN_TOKEN_BYTES).toBe(32));
});

describe("clientKey", () => {
  const cases: [string | undefined, string][] = [
    ["203.0.113.7", "ip:203.0.113.7"],
    [" 203.0.113.7 ", "ip:203.0.113.7"],
    [undefined, "ip:unknown"],
    ["", "ip:unknown"],
    // One IPv6 /64 is one client, however it is spelled.
    ["2001:db8:0:1:aaaa:bbbb:cccc:dddd", "ip6:2001:db8:0:1::/64"],
    ["2001:DB8:0000:0001::1", "ip6:2001:db8:0:1::/64"],
    ["2001:db8:0:1::", "ip6:2001:db8:0:1::/64"],
    ["2001:db8::1", "ip6:2001:db8:0:0::/64"],
    ["::1", "ip6:0:0:0:0::/64"],
    ["::ffff:192.0.2.1", "ip6:0:0:0:0::/64"],
    // Not an address: kept as it is (bounded), never merged with another.
    ["2001:db8::1::2", "ip:2001:db8::1::2"],
    ["fe80::1%eth0", "ip:fe80::1%eth0"],
  ];
  it.each(cases)("%s -> %s", (address, key) => {
    expect(clientKey(address)).toBe(key);
  });
});
