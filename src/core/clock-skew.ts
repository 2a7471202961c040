import { RegsetupError, ExitCode } from './errors.js';

// Clock arithmetic only: the caller reads the clock and the registry's Date header and
// passes the numbers in, so this stays pure and every case can be tested with fixed times.

export interface Skew {
  /** Registry time minus local time; positive when the registry is ahead. */
  offsetMs: number;
  /** The true offset lies within offsetMs ± uncertaintyMs. */
  uncertaintyMs: number;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const IMF_FIXDATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;

/**
 * Parse an HTTP Date header. Only IMF-fixdate: Go's net/http, nginx and Jetty (Nexus) all
 * send it, and Date.parse would accept nonsense such as "1" and read it as local time.
 */
export function parseHttpDate(value: string): number {
  const m = IMF_FIXDATE.exec(value.trim());
  const month = m ? MONTHS.indexOf(m[2]!) : -1;
  if (!m || month < 0) {
    throw new RegsetupError('ERR_BAD_DATE_HEADER', `the registry sent an unreadable Date header: "${value}"`, {
      hint: 'A proxy in front of the registry may rewrite it; compare with `curl -sI https://<registry>/v2/ | grep -i ^date`.',
      exitCode: ExitCode.usage,
    });
  }
  const [day, year, h, min, s] = [m[1], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number];
  return Date.UTC(year, month, day, h, min, s);
}

/**
 * The server stamped its Date somewhere within our round trip, so compare it with the
 * midpoint. Date has whole seconds, truncated: the server's clock read between D and
 * D + 1 s. Half the round trip plus a full second covers both unknowns.
 */
export function measureSkew({ sentAt, receivedAt, serverDate }: { sentAt: number; receivedAt: number; serverDate: string }): Skew {
  const server = parseHttpDate(serverDate);
  // Negative only if the wall clock was stepped mid-request; treat that as an instant reply.
  const rtt = Math.max(0, receivedAt - sentAt);
  return { offsetMs: server - (sentAt + rtt / 2), uncertaintyMs: rtt / 2 + 1000 };
}

/** Skewed only when even the most favourable reading of the measurement exceeds the limit. */
export function skewVerdict(offsetMs: number, uncertaintyMs: number, maxSkewSeconds: number): 'ok' | 'skewed' {
  return Math.abs(offsetMs) - uncertaintyMs > maxSkewSeconds * 1000 ? 'skewed' : 'ok';
}

export type CertificateWindow =
  | { state: 'valid'; expiresInMs: number }
  | { state: 'not-yet-valid'; validInMs: number }
  | { state: 'expired'; expiredForMs: number };

/** Go's x509 verification treats both bounds as inclusive; so do we. */
export function certificateWindow(cert: { notBefore: Date; notAfter: Date }, now: number): CertificateWindow {
  const from = cert.notBefore.getTime();
  const to = cert.notAfter.getTime();
  if (now < from) return { state: 'not-yet-valid', validInMs: from - now };
  if (now > to) return { state: 'expired', expiredForMs: now - to };
  return { state: 'valid', expiresInMs: to - now };
}

/** A signed offset for people: "+3h 0m 2s", "-45s", "+2d 1h 0m 0s", "0s". */
export function formatOffset(ms: number): string {
  const total = Math.round(Math.abs(ms) / 1000);
  if (total === 0) return '0s';
  const units: Array<[string, number]> = [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]];
  let rest = total;
  const parts: string[] = [];
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    // From the largest non-zero unit down, every unit is shown, so columns line up.
    if (n > 0 || parts.length > 0) parts.push(`${n}${unit}`);
  }
  return `${ms < 0 ? '-' : '+'}${parts.join(' ')}`;
}

/** A step duration: "850 ms", "1.2 s", "2m 5s". */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m ${s % 60}s`;
}
