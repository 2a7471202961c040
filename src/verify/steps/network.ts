import { checkReachable } from '../../host/net.js';
import { certsDirCas, probeTls } from '../../host/tls.js';
import { resolveHostPath } from '../../host/host-path.js';
import { isInsecure } from '../insecure.js';
import { targets, type VerifyState } from '../state.js';
import type { Step } from '../types.js';

/** 1. DNS and TCP, the way dockerd resolves (/etc/hosts, then DNS). */
export const reachability: Step<VerifyState> = {
  name: 'reachability',
  async run(s) {
    const details: string[] = [];
    for (const ref of targets(s)) {
      const r = await checkReachable(ref.host, ref.port ?? 443);
      s.addresses.set(ref.hostPort, r.addresses);
      details.push(`${ref.hostPort} → ${r.connectedTo}`);
    }
    return { detail: details.join(', ') };
  },
};

/**
 * 2. TLS as Docker will see it: system roots plus certs.d/<host[:port]>/*.crt, name and validity checked.
 * An insecure registry (insecure-registries, or loopback) is tried as dockerd does: TLS unchecked, then HTTP.
 */
export const tls: Step<VerifyState> = {
  name: 'tls',
  needs: ['reachability'],
  async run(s) {
    const details: string[] = [];
    const certsRoot = resolveHostPath(s.input.root, s.certsDir ?? '/etc/docker/certs.d');
    for (const ref of targets(s)) {
      const port = ref.port ?? 443;
      const insecure = isInsecure(ref.hostPort, s.addresses.get(ref.hostPort) ?? [], s.dockerInfo, s.fileInsecure);
      const certs = await certsDirCas(certsRoot, ref.hostPort);
      if (certs.problems.length > 0 && !insecure) throw new Error(`certs.d problem: ${certs.problems.join('; ')}`);
      const client = certs.clientPairs[0];
      const tlsOptions = { ca: [...s.systemPems, ...certs.caPems], ...(client ? { cert: client.cert, key: client.key } : {}) };
      let probe;
      try {
        probe = await probeTls({ host: ref.host, port, caPems: certs.caPems, systemPems: s.systemPems, timeoutMs: 10_000 });
      } catch (error) {
        if (!insecure) {
          const plain = /WRONG_VERSION_NUMBER|EPROTO|packet length/i.test(String((error as Error).message));
          throw new Error(plain ? `http: server gave HTTP response to HTTPS client (${ref.hostPort})` : (error as Error).message, { cause: error });
        }
        s.endpoints.set(ref.hostPort, { ref, insecure, baseUrl: `http://${ref.hostPort}`, tls: {} });
        details.push(`${ref.hostPort}: plain HTTP (insecure registry)`);
        continue;
      }
      if (insecure) {
        s.endpoints.set(ref.hostPort, { ref, insecure, baseUrl: `https://${ref.hostPort}`, tls: { ...tlsOptions, insecureSkipVerify: true }, chain: probe.chain });
        details.push(`${ref.hostPort}: TLS not verified (insecure registry)`);
        continue;
      }
      s.endpoints.set(ref.hostPort, { ref, insecure, tls: tlsOptions, chain: probe.chain, ...(probe.authorized ? { baseUrl: `https://${ref.hostPort}` } : {}) });
      if (!probe.authorized) throw new Error(tlsErrorText(probe.authorizationError ?? 'unknown', ref.hostPort, probe.chain[0]?.subjectAltName));
      const anchor = certs.caFiles.length > 0 ? `CA from ${certs.caFiles.join(', ')}` : 'system CA store';
      details.push(`${ref.hostPort}: trusted (${anchor}; ${probe.protocol ?? 'TLS'})`);
    }
    return { detail: details.join(', ') };
  },
};

// Node's codes, in the words Docker prints, so the diagnosis catalogue and the user see the familiar text.
function tlsErrorText(code: string, hostPort: string, san: string | undefined): string {
  if (/UNABLE_TO_VERIFY|SELF_SIGNED|UNABLE_TO_GET_ISSUER|UNKNOWN_CA/.test(code)) return `x509: certificate signed by unknown authority (${code}) for ${hostPort}`;
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return `x509: certificate has expired or is not yet valid (${code}) for ${hostPort}`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `x509: certificate is valid for ${san ?? 'other names'}, not ${hostPort} (${code})`;
  if (code === 'ERR_TLS_CERT_NO_SAN') return `x509: certificate relies on legacy Common Name field, use SANs instead (${hostPort})`;
  return `TLS verification failed for ${hostPort}: ${code}`;
}
