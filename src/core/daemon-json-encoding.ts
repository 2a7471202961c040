import { bomOf, invalidUtf8Offset } from './json-bytes.js';
import { refused } from './errors.js';

// What each dockerd accepts before its JSON parser even starts (moby daemon/config/config.go,
// getConflictFreeConfiguration):
// - up to 20.10: os.ReadFile then json.Unmarshal as is: a UTF-8 BOM is a syntax error
//   ("invalid character 'ï' looking for beginning of value"); invalid UTF-8 inside strings
//   is decoded to U+FFFD and accepted.
// - from 23.0.0 (backports in 23.0.0-rc.2 and -rc.3 of bb19265ba8, d42495033e, 8dbc5df952):
//   transform.Chain(unicode.BOMOverride(transform.Nop), encoding.UTF8Validator): a UTF-8 BOM is
//   dropped, UTF-16 with a BOM is decoded, and invalid UTF-8 refuses the whole file
//   ("failed to decode configuration JSON at offset N").
// With no known version we refuse what any of them would refuse.

export interface DaemonJsonOptions {
  /** dockerd's version (`docker version` Server.Version, e.g. "20.10.24+dfsg1"); unknown = conservative. */
  dockerdVersion?: string;
}

interface Accepts {
  bom: boolean;
  invalidUtf8: boolean;
  known: boolean;
}

export function encodingRules(version: string | undefined): Accepts {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?/.exec(version?.trim() ?? '');
  if (m === null) return { bom: false, invalidUtf8: false, known: false };
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // 23.0.0's release candidates gained the two changes one at a time: treat them as unknown.
  if (major === 23 && minor === 0 && patch === 0 && m[4] !== undefined) return { bom: false, invalidUtf8: false, known: false };
  return major >= 23 ? { bom: true, invalidUtf8: false, known: true } : { bom: false, invalidUtf8: true, known: true };
}

const which = (rules: Accepts, version: string | undefined) => (rules.known ? `dockerd ${version}` : 'dockerd (version unknown, so the strictest rules apply)');

/** The length of the BOM to skip; refuses (exit 4) what the daemon would refuse. */
export function checkDaemonJsonEncoding(view: string, source: string, options: DaemonJsonOptions): number {
  const rules = encodingRules(options.dockerdVersion);
  const bom = bomOf(view);
  if (bom === 'utf-16le' || bom === 'utf-16be') {
    throw refused(
      'ERR_DAEMON_JSON_ENCODING',
      `${source} is ${bom.toUpperCase()} text (it starts with a UTF-16 byte order mark); regsetup edits only UTF-8`,
      `Convert it, e.g. iconv -f UTF-16 -t UTF-8 ${source} > ${source}.new, check it, move it into place and run again. Nothing was changed.`,
    );
  }
  if (bom === 'utf-8' && !rules.bom) {
    throw refused(
      'ERR_DAEMON_JSON_BOM',
      `${source} starts with a UTF-8 byte order mark (bytes EF BB BF), which ${which(rules, options.dockerdVersion)} refuses ("invalid character 'ï' looking for beginning of value"; dockerd accepts one from 23.0)`,
      `Remove the first three bytes: sed -i '1s/^\\xEF\\xBB\\xBF//' ${source} — then run again. Nothing was changed.`,
    );
  }
  const skip = bom === 'utf-8' ? 3 : 0;
  if (!rules.invalidUtf8) {
    const bad = invalidUtf8Offset(view.slice(skip));
    if (bad >= 0) {
      throw refused(
        'ERR_DAEMON_JSON_ENCODING',
        `${source} is not valid UTF-8 at byte offset ${bad + skip}, which ${which(rules, options.dockerdVersion)} refuses ("failed to decode configuration JSON"; dockerd 20.10 and older read such bytes as U+FFFD)`,
        `Fix the bytes there (e.g. iconv -f LATIN1 -t UTF-8 if the file is Latin-1), then run again. Nothing was changed.`,
      );
    }
  }
  return skip;
}
