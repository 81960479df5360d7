/**
 * The ReceiptSigner port: the MAC of an assignment receipt
 * (src/core/outcomes/receipt.ts), computed on the request path and checked
 * when an outcome comes back. Implemented with WebCrypto's HMAC-SHA256
 * under RECEIPT_SECRET by src/adapters/crypto/hmac-receipts.ts.
 *
 * Layer: ports (types only).
 */
export interface ReceiptSigner {
  /** The MAC of `input`, base64url. */
  mac(input: string): Promise<string>;
  /** Whether `mac` is the MAC of `input` (compared in constant time). */
  verify(input: string, mac: string): Promise<boolean>;
}
