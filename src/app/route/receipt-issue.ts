/**
 * The assignment receipt of a routed response (src/core/outcomes/receipt.ts):
 * issued for every identified request that a routing decision (not an
 * override) sent to an arm, started as soon as the arm is chosen so its MAC
 * is computed while the origin answers, and set on the response as
 * `x-router-assignment`. Without RECEIPT_SECRET no receipt is issued.
 *
 * Layer: app, the request path.
 */
import { macInput, type Receipt, receiptId, receiptPayload } from "../../core/outcomes/receipt.ts";
import { revisionOf } from "../../core/rollout/request-metrics.ts";
import { userBucketOf, userHashOf } from "../../core/rollout/user-sums.ts";
import type { RoutingDocument } from "../../document/routing-document.ts";
import type { ReceiptSigner } from "../../ports/receipt-signer.ts";

/** The receipt's text for a user routed to `arm` by `doc`, MAC included. */
export async function issueReceipt(
  signer: ReceiptSigner,
  doc: RoutingDocument,
  arm: string,
  userId: string,
  nowMs: number,
): Promise<string> {
  const receipt: Receipt = {
    service: doc.service,
    arm,
    revision: revisionOf(doc),
    bucket: userBucketOf(userHashOf(userId)),
    issuedAt: Math.floor(nowMs / 1000),
    id: receiptId(crypto.getRandomValues(new Uint8Array(16))),
  };
  const payload = receiptPayload(receipt);
  return `${payload}.${await signer.mac(macInput(payload))}`;
}
