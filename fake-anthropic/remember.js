// @ts-check

/**
 * Map.set that forgets the oldest entry beyond `max` (a Map iterates in insertion order), so the
 * fake's module state (stream outcomes, cached prefixes, rate-limit counters) cannot grow without bound.
 * @template V @param {Map<string, V>} map @param {string} key @param {V} value @param {number} max
 */
export function remember(map, key, value, max) {
  map.delete(key);
  map.set(key, value);
  if (map.size > max) map.delete(/** @type {string} */ (map.keys().next().value));
}
