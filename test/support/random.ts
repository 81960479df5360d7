/**
 * Seeded randomness for tests: the same draws on every machine and run.
 * (The gate benchmark has its own, with samplers: scripts/bench/gates/random.ts.)
 */

/** mulberry32 (Tommy Ettinger): uniform on [0, 1), period 2^32. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws from `rand` (Box-Muller; 1 - rand() is in (0, 1], so the log is finite). */
export const normalFrom = (rand: () => number) => () =>
  Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
