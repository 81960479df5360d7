/**
 * Seeded randomness for the gate benchmark: a 32-bit PRNG (mulberry32), and
 * exact samplers built on it (normal, gamma, beta, binomial, multinomial),
 * so a run with the same seed prints the same tables on every machine.
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

/** Standard normal (Box-Muller; 1 - rand() is in (0, 1], so the log is finite). */
export function normal(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** Gamma(a, 1): Marsaglia & Tsang, "A simple method for generating gamma variables", 2000. */
export function gamma(rand: () => number, a: number): number {
  if (a < 1) return gamma(rand, a + 1) * (1 - rand()) ** (1 / a);
  const d = a - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(rand);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rand();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v)))
      return d * v;
  }
}

export function beta(rand: () => number, a: number, b: number): number {
  const x = gamma(rand, a);
  return x / (x + gamma(rand, b));
}

/** Bernoulli successes among n by geometric skips: expected work n * p. */
function binomialBySkips(rand: () => number, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  const logQ = Math.log1p(-p);
  let successes = 0;
  let position = 0;
  for (;;) {
    position += Math.floor(Math.log(1 - rand()) / logQ) + 1;
    if (position > n) return successes;
    successes++;
  }
}

/**
 * Binomial(n, p), exactly: Knuth's recursion (TAOCP 2, 3.4.1 F) splits n
 * at the median order statistic X ~ Beta(a, n + 1 - a) of n uniforms (the
 * a - 1 below X are uniform on [0, X], the rest on [X, 1]) until n p is
 * small, then geometric skips finish. O(log n) work for any n and p.
 */
export function binomial(rand: () => number, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - binomial(rand, n, 1 - p);
  let k = 0;
  while (n > 64 && n * p > 16) {
    const a = 1 + (n >> 1);
    const b = n + 1 - a;
    const x = beta(rand, a, b);
    if (x >= p) {
      n = a - 1;
      p /= x;
    } else {
      k += a;
      n = b - 1;
      p = (p - x) / (1 - x);
    }
  }
  return k + binomialBySkips(rand, n, p);
}

/** Multinomial(n, probs) by conditional binomials; probs sum to 1. */
export function multinomial(rand: () => number, n: number, probs: readonly number[]): number[] {
  const out = new Array<number>(probs.length).fill(0);
  let left = n;
  let mass = 1;
  for (let i = 0; i < probs.length && left > 0; i++) {
    const p = probs[i] as number;
    const x = i === probs.length - 1 ? left : binomial(rand, left, Math.min(1, p / mass));
    out[i] = x;
    left -= x;
    mass -= p;
  }
  return out;
}

/** Mixes a cell's label into the run seed, so each cell has its own stream. */
export function cellSeed(seed: number, label: string): number {
  let h = seed >>> 0;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * Poisson(mean), exactly: for a large mean, the m-th arrival time of a unit
 * Poisson process is Gamma(m, 1); if it falls before `mean`, m arrivals are
 * in and the rest is Poisson(mean - X), else the arrivals before `mean` are
 * Binomial(m - 1, mean / X) (Knuth, TAOCP 2, 3.4.1 F). Small means by
 * multiplying uniforms. O(log mean) work.
 */
export function poisson(rand: () => number, mean: number): number {
  let k = 0;
  while (mean > 16) {
    const m = Math.floor(mean * 0.875);
    const x = gamma(rand, m);
    if (x >= mean) return k + binomial(rand, m - 1, mean / x);
    k += m;
    mean -= x;
  }
  if (mean <= 0) return k;
  const limit = Math.exp(-mean);
  let prod = 1 - rand();
  while (prod > limit) {
    k++;
    prod *= 1 - rand();
  }
  return k;
}

/** Standard normals two at a time (Box-Muller, both halves): half the logs of `normal`. */
export function normalPairs(rand: () => number): () => number {
  let spare = 0;
  let has = false;
  return () => {
    if (has) {
      has = false;
      return spare;
    }
    const r = Math.sqrt(-2 * Math.log(1 - rand()));
    const t = 2 * Math.PI * rand();
    spare = r * Math.sin(t);
    has = true;
    return r * Math.cos(t);
  };
}
