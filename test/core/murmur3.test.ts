import { describe, expect, it } from "vitest";
import { murmur3String, murmur3x86_32 } from "../../src/core/routing/murmur3.ts";
import murmur from "../vectors/murmur3.json" with { type: "json" };

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

describe("murmur3 x86_32 reference vectors", () => {
  for (const v of murmur.vectors as { hex?: string; text?: string; seed: number; hash: number }[]) {
    const input = v.hex !== undefined ? `bytes 0x${v.hex || "(empty)"}` : JSON.stringify(v.text);
    it(`${input} seed ${v.seed} -> 0x${v.hash.toString(16)}`, () => {
      const hash =
        v.hex !== undefined
          ? murmur3x86_32(hexBytes(v.hex), v.seed)
          : murmur3String(v.text ?? "", v.seed);
      expect(hash).toBe(v.hash);
    });
  }
});
