import { certificateWindow, formatOffset, measureSkew, skewVerdict } from '../../core/clock-skew.js';
import { diagnose } from '../../core/diagnosis.js';
import { clientFor, endpointOf, type VerifyState } from '../state.js';
import type { Step, StepOutcome } from '../types.js';

/** 3. Our clock against the registry's `Date` header (the round trip bounds the error), and the certificate's window. */
export const clock: Step<VerifyState> = {
  name: 'clock',
  needs: ['tls'],
  async run(s): Promise<StepOutcome> {
    const { registry, maxClockSkewSeconds } = s.input;
    const endpoint = endpointOf(s, registry);
    // Anonymous: the clock needs only the Date header of /v2/.
    const ping = await clientFor(s, registry, { anonymous: true }).ping();
    if (!ping.date) return { skipped: `${registry.hostPort} sent no Date header; clock not compared` };
    const skew = measureSkew({ ...ping.timing, serverDate: ping.date });
    s.clockSkewMs = skew.offsetMs;
    const offset = `${formatOffset(skew.offsetMs)} (±${Math.ceil(skew.uncertaintyMs / 1000)}s)`;
    if (skewVerdict(skew.offsetMs, skew.uncertaintyMs, maxClockSkewSeconds) === 'skewed') {
      const seen = `registry clock is ${formatOffset(skew.offsetMs)} from this host's (limit ${maxClockSkewSeconds}s)`;
      const found = diagnose({ text: seen, registry: registry.hostPort, step: 'clock', context: { clockSkewMs: skew.offsetMs, maxSkewSeconds: maxClockSkewSeconds } });
      return { failed: { id: 'clock-skew', cause: found?.cause ?? seen, fix: found?.fix ?? 'Set the clock from NTP.', seen } };
    }
    const leaf = endpoint.chain?.[0];
    if (leaf && !endpoint.insecure) {
      const window = certificateWindow({ notBefore: leaf.validFrom, notAfter: leaf.validTo }, s.ports.clock.now());
      if (window.state !== 'valid') throw new Error(`x509: certificate has expired or is not yet valid: ${window.state} (${leaf.validFrom.toISOString()} – ${leaf.validTo.toISOString()})`);
      return { detail: `offset ${offset}; certificate valid until ${leaf.validTo.toISOString().slice(0, 10)}` };
    }
    return { detail: `offset ${offset}` };
  },
};
