/**
 * The ReceiptSigner port over WebCrypto: HMAC-SHA256 under the
 * RECEIPT_SECRET Worker secret, truncated to 128 bits (16 bytes, 22
 * base64url characters). The key is imported once per isolate and secret.
 * Verification recomputes the MAC and compares in constant time.
 *
 * Layer: adapter (the only module that holds the receipt key).
 */
import { bytesToBase64url } from "../../core/outcomes/receipt.ts";
import type { ReceiptSigner } from "../../ports/receipt-signer.ts";

const MAC_BYTES = 16;
const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function keyOf(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey(
      "raw",
      encoder.encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    keys.set(secret, key);
  }
  return key;
}

async function macBytes(secret: string, input: string): Promise<Uint8Array> {
  const sig = await crypto.subtle.sign("HMAC", await keyOf(secret), encoder.encode(input));
  return new Uint8Array(sig, 0, MAC_BYTES);
}

/** A signer for `secret`; null without one (no receipts are issued, none verify). */
export function hmacReceipts(secret: string | undefined): ReceiptSigner | null {
  if (!secret) return null;
  return {
    mac: async (input) => bytesToBase64url(await macBytes(secret, input)),
    verify: async (input, mac) => {
      const expected = encoder.encode(bytesToBase64url(await macBytes(secret, input)));
      const presented = encoder.encode(mac);
      if (presented.byteLength !== expected.byteLength) return false;
      return crypto.subtle.timingSafeEqual(expected, presented);
    },
  };
}
