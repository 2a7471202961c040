// A small seeded PRNG (mulberry32): the same seed gives the same corpus on every run and
// every machine, so a failure names an input that can be replayed.

export interface Rng {
  /** [0, 1) */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** true with probability p. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** A string of n characters drawn from alphabet. */
  string(n: number, alphabet: string): string;
  /** n random bytes. */
  bytes(n: number): Buffer;
}

export function rng(seed: number): Rng {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick: (items) => items[int(items.length)]!,
    string: (n, alphabet) => Array.from({ length: n }, () => alphabet[int(alphabet.length)]).join(''),
    bytes: (n) => Buffer.from(Array.from({ length: n }, () => int(256))),
  };
}
