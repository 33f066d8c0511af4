// mulberry32: a tiny, fast, seeded PRNG. Used wherever the project needs reproducible "random"
// values (synthetic weights, tiny test models, demo data) — never for anything security-related.

/** Returns a generator of 32 random bits (0 … 2^32−1) per call. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Uniform floats in [0, 1). */
export function uniform(seed: number): () => number {
  const bits = mulberry32(seed);
  return () => bits() / 4294967296;
}
