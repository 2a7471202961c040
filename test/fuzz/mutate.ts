import type { Rng } from './prng.js';

// Byte-level damage any text file can suffer, shared by every generator: each mutation is one
// way a real file on a real host has been seen (or can be made) to go wrong.

const NASTY = [
  '\u0000', '\u001b[31m', '\u007f', '\u009b', '\u202e', '\ufeff', '\ufffd', '\\', '"', "'", '/*', '//', ',', ':', '{', '}', '[', ']', '\r', '\r\n', '\t', ' ',
  'null', 'true', '1e400', '-0', '01', '0x10', 'NaN', '\\u', '\\ud800', '\\x41', '${HOME}', '%s', '..', '../../etc/passwd',
];

type Mutation = (r: Rng, b: Buffer) => Buffer;

const at = (r: Rng, b: Buffer) => r.int(b.length + 1);

export const mutations: Record<string, Mutation> = {
  truncate: (r, b) => b.subarray(0, r.int(b.length)),
  insertNasty: (r, b) => {
    const i = at(r, b);
    return Buffer.concat([b.subarray(0, i), Buffer.from(r.pick(NASTY)), b.subarray(i)]);
  },
  insertBytes: (r, b) => {
    const i = at(r, b);
    return Buffer.concat([b.subarray(0, i), r.bytes(1 + r.int(4)), b.subarray(i)]);
  },
  // Bytes that are not UTF-8: a Latin-1 é, a lone continuation byte, an overlong slash, a surrogate.
  invalidUtf8: (r, b) => {
    const i = at(r, b);
    const bad = r.pick([[0xe9], [0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf5, 0x80, 0x80, 0x80], [0xff, 0xfe]]);
    return Buffer.concat([b.subarray(0, i), Buffer.from(bad), b.subarray(i)]);
  },
  deleteByte: (r, b) => {
    const i = r.int(Math.max(1, b.length));
    return Buffer.concat([b.subarray(0, i), b.subarray(i + 1)]);
  },
  duplicateSlice: (r, b) => {
    const i = r.int(b.length + 1);
    const j = Math.min(b.length, i + r.int(40));
    return Buffer.concat([b.subarray(0, j), b.subarray(i, j), b.subarray(j)]);
  },
  bom: (r, b) => Buffer.concat([Buffer.from(r.pick([[0xef, 0xbb, 0xbf], [0xff, 0xfe], [0xfe, 0xff]])), b]),
  crlf: (_r, b) => Buffer.from(b.toString('latin1').replace(/\n/g, '\r\n'), 'latin1'),
  whitespaceOnly: (r) => Buffer.from(r.string(r.int(6), ' \t\r\n')),
  empty: () => Buffer.alloc(0),
  garbage: (r) => r.bytes(1 + r.int(200)),
};

/** One to three mutations of b, by name so a failure says what was done. */
export function mutate(r: Rng, b: Buffer): { bytes: Buffer; how: string[] } {
  const names = Object.keys(mutations);
  const how: string[] = [];
  let out = b;
  for (let n = 1 + r.int(3); n > 0; n--) {
    const name = r.pick(names);
    how.push(name);
    out = mutations[name]!(r, out);
  }
  return { bytes: out, how };
}

/** A value nested depth levels deep, in arrays or objects. */
export const nested = (r: Rng, depth: number): string => {
  const open = r.chance(0.5) ? '[' : '{"a":';
  const close = open === '[' ? ']' : '}';
  return `${open.repeat(depth)}0${close.repeat(depth)}`;
};
