/**
 * The scalars every part of the routing document's schema shares: basis
 * points, service and origin names, and the document's hard limits.
 *
 * Layer: document (pure; zod and src/core only).
 */
import { BUCKETS } from "../core/routing/bucket.ts";
import { NAME_PATTERN } from "../core/routing/names.ts";
import * as z from "./zod.ts";

/** A share in integer basis points: 0 = 0 %, 100 = 1 %, 10000 = 100 %. */
export const BasisPoints = z
  .number()
  .check(z.int("must be an integer number of basis points (100 = 1%)"), z.gte(0), z.lte(BUCKETS));

const Name = z
  .string()
  .check(z.regex(NAME_PATTERN, "must be lowercase letters, digits and '-' (1-63 chars)"));

export const ServiceName = Name.check(
  z.describe("Service name; also the first path segment it answers"),
);
export const OriginName = Name.check(
  z.describe("Origin (model version) name, e.g. blue, green, canary"),
);

/** Hard bounds of a routing document, checked before anything else is parsed. */
export const LIMITS = {
  /** UTF-8 bytes of the stored JSON text. */
  documentBytes: 65_536,
  /** Nesting of JSON objects and arrays. */
  depth: 16,
  origins: 64,
  challengers: 32,
  identitySources: 8,
  shadowPaths: 32,
} as const;
