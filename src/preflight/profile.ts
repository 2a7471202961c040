import { profileSchema } from '../core/desired-state.js';
import { badInput, refused, usageError } from '../core/errors.js';
import { httpRequest } from '../host/http.js';
import { certInfo, inspectCaPem, loadPemFile, probeTls } from '../host/tls.js';
import { pinMatch } from './ca.js';

// `join --profile URL`: the registry team publishes the entry its nodes should join with. The
// profile is trusted only through the pinned CA: learn the CA (from --ca-url or from the profile
// host's own handshake), check it against the pin, then fetch the profile with that CA as the
// only trust anchor — no system root can vouch for it.

export interface ProfilePorts {
  now: () => number;
  note(line: string): void;
}

async function candidates(url: URL, caUrl: string | undefined): Promise<string[]> {
  if (caUrl !== undefined) {
    // Untrusted on purpose: the pin decides.
    const res = await httpRequest(caUrl, { tls: { insecureSkipVerify: true }, followRedirects: 3, maxBodyBytes: 1 << 20 });
    if (res.status !== 200) throw refused('ERR_CA_URL', `--ca-url ${caUrl} answered HTTP ${res.status}`, 'Check the URL with curl -k.');
    return loadPemFile(res.body.toString('utf8'));
  }
  const probe = await probeTls({ host: url.hostname, port: Number(url.port || 443), caPems: [], systemPems: [] });
  return probe.chain.filter((c) => c.isCA || c.selfSigned).map((c) => c.pem);
}

/** What `regsetup profile --json` printed is a profile too: its envelope (schemaVersion, command, changed) is dropped. */
function withoutEnvelope(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const { schemaVersion, command, changed, ...profile } = value as Record<string, unknown>;
  return command === 'profile' && typeof schemaVersion === 'number' && typeof changed === 'boolean' ? profile : value;
}

/** The profile document (validated, in its input form) and the CA that vouched for it. */
export async function fetchProfile(urlText: string, pins: readonly string[], caUrl: string | undefined, ports: ProfilePorts): Promise<Record<string, unknown>> {
  let url: URL;
  try {
    url = new URL(urlText);
  } catch {
    throw badInput('ERR_BAD_FLAG', `--profile ${urlText} is not a URL`);
  }
  if (url.protocol !== 'https:') throw badInput('ERR_BAD_FLAG', `--profile ${urlText} must be an https:// URL`, 'A profile is trusted through the pinned CA: that takes TLS.');
  if (pins.length === 0) throw usageError('--profile needs --ca-fingerprint', 'The pin is what makes the profile trustworthy: pass the CA fingerprint the registry team publishes.');
  const accepted = (await candidates(url, caUrl)).filter((pem) => {
    const checked = inspectCaPem(pem, ports.now());
    return checked.ok && checked.info !== undefined && pinMatch(checked.info, pins) !== undefined;
  });
  if (accepted.length === 0) {
    throw refused('ERR_CA_PIN_MISMATCH', `no CA of ${url.host} matches --ca-fingerprint ${pins.join(', ')}; the profile was not fetched`, 'Nothing was changed. Check the pin with the registry team: a mismatch can mean an interception.');
  }
  ports.note(`profile CA for ${url.host}: ${certInfo(accepted[0]!).subject.replace(/\n/g, ', ')} (pinned)`);
  const res = await httpRequest(url.toString(), { tls: { ca: accepted }, maxBodyBytes: 1 << 20, headers: { accept: 'application/json' } });
  if (res.status !== 200) throw refused('ERR_PROFILE_FETCH', `--profile ${urlText} answered HTTP ${res.status}`, 'Check the URL with the registry team.');
  let value: unknown;
  try {
    value = JSON.parse(res.body.toString('utf8'));
  } catch (error) {
    throw badInput('ERR_PROFILE_INVALID', `the profile at ${urlText} is not JSON: ${(error as Error).message}`);
  }
  value = withoutEnvelope(value);
  const parsed = profileSchema.safeParse(value);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `profile.${i.path.map(String).join('.')}: ${i.code === 'unrecognized_keys' ? `unknown key(s) ${i.keys.join(', ')}` : i.message}`);
    throw badInput('ERR_PROFILE_INVALID', `the profile at ${urlText} is not valid:\n  ${lines.join('\n  ')}`, 'Tell the registry team; `regsetup profile` prints a valid one.');
  }
  return value as Record<string, unknown>;
}
