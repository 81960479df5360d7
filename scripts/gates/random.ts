/**
 * Seeded randomness for the gate benchmark: a 32-bit PRNG (mulberry32) and
 * an exact binomial sampler, so a run with the same seed prints the same
 * table on every machine.
 *
 * Layer: build-time script (never bundled into the Worker).
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

/**
 * Binomial(n, p), exactly, by geometric skips between successes (Devroye,
 * "Non-Uniform Random Variate Generation", 1986, X.4): expected work
 * n * min(p, 1 - p), cheap for error rates and canary shares.
 */
export function binomial(rand: () => number, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - binomial(rand, n, 1 - p);
  const logQ = Math.log1p(-p);
  let successes = 0;
  let position = 0;
  for (;;) {
    // 1 - rand() is in (0, 1], so the log is finite.
    position += Math.floor(Math.log(1 - rand()) / logQ) + 1;
    if (position > n) return successes;
    successes++;
  }
}

/** Mixes a cell's label into the run seed, so each cell has its own stream. */
export function cellSeed(seed: number, label: string): number {
  let h = seed >>> 0;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
