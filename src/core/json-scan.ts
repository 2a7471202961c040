// A strict JSON scanner (RFC 8259, as Go's encoding/json reads it) that runs in one linear pass
// without recursion, so neither a 4 MiB file nor 10,000 nested arrays can make it slow or
// overflow the stack. It works on a 1:1 byte↔char view of the file (latin1), so the offsets it
// records are byte offsets: an edit splices new text in between bytes it leaves untouched.
// It records the shape of the first `keep` levels (keys, values, their offsets); meaning comes
// from JSON.parse of the decoded text, once the syntax is known to be right.

export interface JsonNode {
  kind: 'object' | 'array' | 'string' | 'number' | 'literal';
  start: number;
  /** Offset just past the value. */
  end: number;
  /** Members (objects) or elements (arrays), recorded for the first `keep` levels only. */
  children?: JsonChild[];
}

export interface JsonChild {
  /** Offsets of the key, quotes included (objects only). */
  keyStart?: number;
  keyEnd?: number;
  node: JsonNode;
}

/** Deeper nesting is refused: no real daemon.json or config.json comes near it, and nothing deep can hang or crash us. */
export const MAX_JSON_DEPTH = 64;

export class JsonSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly offset: number,
  ) {
    super(`${reason} at offset ${offset}`);
  }
}

export interface ScanOptions {
  /** Deeper nesting is refused ("nested too deeply"). */
  maxDepth: number;
  /** How many levels of children to record (1: the top-level members). */
  keep: number;
  /** Refuse numbers a Go float64 cannot hold (dockerd decodes daemon.json into interface{} values). */
  finiteNumbers?: boolean;
}

interface Frame {
  node: JsonNode;
  isObject: boolean;
  /** What may come next. */
  expect: 'first' | 'key' | 'colon' | 'value' | 'comma';
  afterComma: boolean;
  keyStart: number;
  keyEnd: number;
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);

const skip = (s: string, i: number): number => {
  for (let c = s.charCodeAt(i); c === 32 || c === 10 || c === 13 || c === 9; c = s.charCodeAt(++i));
  return i;
};

const shown = (c: string) => (c >= ' ' && c <= '~' ? `"${c}"` : `byte 0x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

function scanString(s: string, start: number): number {
  let j = start + 1;
  for (;;) {
    for (let c = s.charCodeAt(j); c >= 0x20 && c !== 0x22 && c !== 0x5c; c = s.charCodeAt(++j));
    if (j >= s.length) throw new JsonSyntaxError('an unterminated string', start);
    const c = s[j]!;
    if (c === '"') return j + 1;
    if (c === '\\') {
      const e = s[j + 1];
      if (e !== undefined && ESCAPES.has(e)) j += 2;
      else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(s.slice(j + 2, j + 6))) j += 6;
      else throw new JsonSyntaxError('an invalid escape in a string', j);
    } else {
      throw new JsonSyntaxError('a control character in a string (it must be escaped)', j);
    }
  }
}

/** The top-level value of `s`, or undefined when s is only whitespace. Throws JsonSyntaxError. */
export function scanJson(s: string, options: ScanOptions): JsonNode | undefined {
  const stack: Frame[] = [];
  let root: JsonNode | undefined;
  let i = skip(s, 0);
  if (i >= s.length) return undefined;

  const attach = (node: JsonNode) => {
    const top = stack.at(-1);
    if (top === undefined) root = node;
    else {
      top.node.children?.push(top.isObject ? { keyStart: top.keyStart, keyEnd: top.keyEnd, node } : { node });
      top.expect = 'comma';
      top.afterComma = false;
    }
  };

  const value = () => {
    const c = s[i];
    if (c === undefined) throw new JsonSyntaxError('an unexpected end of the file', i);
    if (c === '{' || c === '[') {
      if (stack.length >= options.maxDepth) throw new JsonSyntaxError(`nested too deeply (more than ${options.maxDepth} levels)`, i);
      const node: JsonNode = { kind: c === '{' ? 'object' : 'array', start: i, end: -1, ...(stack.length < options.keep ? { children: [] } : {}) };
      attach(node);
      stack.push({ node, isObject: c === '{', expect: 'first', afterComma: false, keyStart: -1, keyEnd: -1 });
      i++;
      return;
    }
    const start = i;
    if (c === '"') i = scanString(s, i);
    else if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(s);
      if (m === null) throw new JsonSyntaxError('an invalid number', i);
      if (options.finiteNumbers && !Number.isFinite(Number(m[0]))) throw new JsonSyntaxError(`the number ${m[0].slice(0, 40)} is out of range`, i);
      i = NUMBER.lastIndex;
    } else if (s.startsWith('true', i) || s.startsWith('null', i)) i += 4;
    else if (s.startsWith('false', i)) i += 5;
    else if (c === '/') throw new JsonSyntaxError('a comment (strict JSON has none)', i);
    else if ((c === ']' || c === '}') && stack.at(-1)?.afterComma) throw new JsonSyntaxError('a trailing comma (strict JSON has none)', i);
    else throw new JsonSyntaxError(`an unexpected ${shown(c)} where a value should be`, i);
    const kind = c === '"' ? 'string' : c === '-' || (c >= '0' && c <= '9') ? 'number' : 'literal';
    attach({ kind, start, end: i });
  };

  const close = (top: Frame) => {
    top.node.end = i + 1;
    stack.pop();
    i++;
  };

  for (;;) {
    i = skip(s, i);
    const top = stack.at(-1);
    if (top === undefined) {
      if (root !== undefined) {
        if (i < s.length) throw new JsonSyntaxError(`an unexpected ${shown(s[i]!)} after the top-level value`, i);
        return root;
      }
      value();
      continue;
    }
    const c = s[i];
    if (c === undefined) throw new JsonSyntaxError('an unexpected end of the file', i);
    if (c === '/') throw new JsonSyntaxError('a comment (strict JSON has none)', i);
    const closer = top.isObject ? '}' : ']';
    switch (top.expect) {
      case 'first':
      case 'key':
        if (c === closer && top.expect === 'first') close(top);
        else if (!top.isObject) value();
        else if (c === '}') throw new JsonSyntaxError('a trailing comma (strict JSON has none)', i);
        else if (c !== '"') throw new JsonSyntaxError(`an unexpected ${shown(c)} where a key in double quotes should be`, i);
        else {
          top.keyStart = i;
          i = scanString(s, i);
          top.keyEnd = i;
          top.expect = 'colon';
        }
        break;
      case 'colon':
        if (c !== ':') throw new JsonSyntaxError(`an unexpected ${shown(c)} where ":" should follow the key`, i);
        top.expect = 'value';
        i++;
        break;
      case 'value':
        value();
        break;
      case 'comma':
        if (c === closer) close(top);
        else if (c === ',') {
          top.expect = top.isObject ? 'key' : 'value';
          top.afterComma = true;
          i++;
        } else throw new JsonSyntaxError(`an unexpected ${shown(c)} where "," or "${closer}" should be`, i);
        break;
    }
  }
}

/** Line and column (1-based) of a byte offset, counting \r\n, \n and \r as line ends. */
export function lineColumn(s: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let j = 0; j < offset && j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 10 || (c === 13 && s.charCodeAt(j + 1) !== 10)) {
      line++;
      lineStart = j + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
