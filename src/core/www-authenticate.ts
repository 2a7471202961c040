// RFC 7235 challenges, as registries send them on 401:
//   Bearer realm="https://a/token",service="reg",scope="repository:x:pull,push"
// Commas separate both parameters and challenges, and may sit inside quoted values,
// so a split on "," is wrong; this reads the header token by token instead.

export interface Challenge {
  /** Lowercased: auth schemes are case-insensitive. */
  scheme: 'basic' | 'bearer' | (string & {});
  /** Parameter names lowercased; values as sent, quotes and escapes removed. */
  params: Record<string, string>;
  /** The token68 form (e.g. `Negotiate YII=`) when the challenge has one instead of params. */
  token68?: string;
}

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*/;

export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  if (header === undefined) return [];
  if (Array.isArray(header)) return header.flatMap((h) => parseChallenges(h));
  const s = header;
  let i = 0;
  const out: Challenge[] = [];
  let params: Map<string, string> | undefined;
  const skip = (re: RegExp) => {
    while (i < s.length && re.test(s[i]!)) i++;
  };
  const token = () => {
    const start = i;
    while (i < s.length && TCHAR.test(s[i]!)) i++;
    return s.slice(start, i);
  };
  const flush = () => {
    const last = out[out.length - 1];
    if (last && params) last.params = Object.fromEntries(params);
  };

  while (i < s.length) {
    skip(/[\s,]/);
    const name = token();
    if (name === '') {
      if (i < s.length) i++; // a stray character: skip it rather than give up on the rest
      continue;
    }
    skip(/[ \t]/);
    if (s[i] === '=' && params !== undefined && s[i + 1] !== '=') {
      i++;
      skip(/[ \t]/);
      params.set(name.toLowerCase(), s[i] === '"' ? quoted() : token());
      continue;
    }
    flush();
    const challenge: Challenge = { scheme: name.toLowerCase(), params: {} };
    out.push(challenge);
    params = new Map();
    // token68 only when it is the whole rest of this challenge (not "name=value").
    const t68 = TOKEN68.exec(s.slice(i));
    if (t68 && /^[ \t]*(?:,|$)/.test(s.slice(i + t68[0].length)) && !/^[^=]+=[^=]/.test(s.slice(i, i + t68[0].length + 1))) {
      challenge.token68 = t68[0];
      i += t68[0].length;
    }
  }
  flush();
  return out;

  function quoted(): string {
    let value = '';
    i++; // opening quote
    while (i < s.length && s[i] !== '"') {
      if (s[i] === '\\' && i + 1 < s.length) i++;
      value += s[i];
      i++;
    }
    i++; // closing quote (or end of an unterminated value)
    return value;
  }
}

/** The first challenge of a scheme, e.g. `findChallenge(cs, 'bearer')?.params.realm`. */
export const findChallenge = (challenges: Challenge[], scheme: string): Challenge | undefined =>
  challenges.find((c) => c.scheme === scheme.toLowerCase());
