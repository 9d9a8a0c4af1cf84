// A small seeded PRNG, so a crash-test run is reproducible from its seed: the plan (sessions, turn
// kinds, kill points, delays) depends only on the seed. Timing still varies from run to run.

/** A random 32-bit seed for a run that was given none. */
export function freshSeed() {
  return Math.floor(Math.random() * 0x1_0000_0000);
}

/**
 * mulberry32: tiny, fast and good enough for picking test parameters (not for anything secret).
 * @param {number} seed
 */
export function seededRandom(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
  return {
    next,
    /** An integer in [min, max], both included. @param {number} min @param {number} max */
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    /** @template T @param {readonly T[]} items @returns {T} */
    pick: (items) => /** @type {T} */ (items[Math.floor(next() * items.length)]),
    /** A shuffled copy. @template T @param {readonly T[]} items @returns {T[]} */
    shuffle: (items) => {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [/** @type {T} */ (out[j]), /** @type {T} */ (out[i])];
      }
      return out;
    },
  };
}
