import type { JsonChild, JsonNode } from './json-scan.js';

// A JSON file is edited as bytes. The scanner and the splices work on a latin1 view of them
// (one char per byte), so bytes regsetup does not own — invalid UTF-8 included — go back out
// unchanged; only inserted text is new, and it is encoded as UTF-8 first. Meaning is read
// separately from a UTF-8 decode in which invalid bytes become U+FFFD, exactly as Go's
// encoding/json decodes them.

/** The latin1 view of a file: a string input is taken as the UTF-8 text it stands for. */
export const toView = (input: string | Uint8Array): string =>
  (typeof input === 'string' ? Buffer.from(input, 'utf8') : Buffer.from(input.buffer, input.byteOffset, input.byteLength)).toString('latin1');

export const viewBytes = (view: string): Buffer => Buffer.from(view, 'latin1');

/** New text (UTF-8) in the view's terms. */
export const encodeForView = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');

export const decodeView = (view: string): string => viewBytes(view).toString('utf8');

/** What the view says, as Go would decode it (invalid UTF-8 → U+FFFD). Only for text the scanner accepted. */
export const meaningOf = (view: string): unknown => JSON.parse(decodeView(view));

/** The key of a member, decoded (plain ASCII keys, the usual case, without a decode). */
export function keyOf(view: string, child: JsonChild): string {
  const raw = view.slice(child.keyStart! + 1, child.keyEnd! - 1);
  return /^[\x20-\x5b\x5d-\x7e]*$/.test(raw) ? raw : (meaningOf(`"${raw}"`) as string);
}

/** The value of a child, decoded. */
export const valueOf = (view: string, node: JsonNode): unknown => meaningOf(view.slice(node.start, node.end));

/** Offset of the first byte that is not valid UTF-8, or -1. */
export function invalidUtf8Offset(view: string): number {
  const first = view.search(/[\x80-\xff]/);
  if (first < 0) return -1;
  for (let i = first; i < view.length; ) {
    const c = view.charCodeAt(i);
    if (c < 0x80) {
      i++;
      continue;
    }
    const need = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (need === 0 || i + need >= view.length) return i;
    const second = view.charCodeAt(i + 1);
    // The second byte's range excludes overlong forms and surrogates (RFC 3629).
    const low = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const high = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    if (second < low || second > high) return i;
    for (let k = 2; k <= need; k++) {
      const b = view.charCodeAt(i + k);
      if (b < 0x80 || b > 0xbf) return i;
    }
    i += need + 1;
  }
  return -1;
}

export type Bom = 'utf-8' | 'utf-16le' | 'utf-16be' | undefined;

export function bomOf(view: string): Bom {
  if (view.startsWith('\xef\xbb\xbf')) return 'utf-8';
  if (view.startsWith('\xff\xfe')) return 'utf-16le';
  if (view.startsWith('\xfe\xff')) return 'utf-16be';
  return undefined;
}

/** Case folding as Go's encoding/json matches struct fields (bytes.EqualFold, with its two odd letters). */
export const foldKey = (key: string): string => key.replace(/\u212a/g, 'k').replace(/\u017f/g, 's').toLowerCase();
