import { inspectCaPem } from '../../host/tls.js';
import type { Check, DoctorState } from '../ports.js';
import type { Finding } from '../types.js';

const hostOf = (hostPort: string) => hostPort.replace(/:\d+$/, '');

/**
 * 3. certs.d/<host[:port]>/ of each registry as this dockerd reads it (its own certs.d: the
 * system's, the snap's, a rootless user's): the directory named exactly as images are referenced,
 * CAs as *.crt (PEM, current, really CAs), client pairs complete, files readable.
 */
export const certsCheck: Check = {
  name: 'certs-d',
  async run(s: DoctorState): Promise<Finding[]> {
    const found: Finding[] = [];
    const certs = s.layout.certsDir;
    const dirs = await s.ports.certsDirs();
    const hostPorts = [...new Set(s.targets.flatMap((t) => [t.registry.hostPort, t.pushRegistry.hostPort]))];
    for (const hostPort of hostPorts) {
      const base = { registry: hostPort, fixable: false, check: 'certs-d' } as const;
      if (!dirs.includes(hostPort)) {
        const others = dirs.filter((d) => d !== hostPort && hostOf(d) === hostOf(hostPort));
        if (others.length > 0) {
          found.push({
            ...base,
            id: 'certs-d-name-mismatch',
            severity: 'warning',
            seen: `${certs}/${others.join(`, ${certs}/`)} exists, ${certs}/${hostPort} does not`,
            cause: `Docker looks only in ${certs}/${hostPort}/ for images named ${hostPort}/…: the port must match the image reference exactly (none when the reference has none).`,
            fix: `Rename or copy the directory: \`cp -r ${certs}/${others[0]} ${certs}/${hostPort}\` (no restart needed).`,
          });
        }
        continue;
      }
      let dir;
      try {
        dir = await s.ports.readCertsDir(hostPort);
      } catch (error) {
        found.push({ ...base, id: 'certs-d-unreadable', severity: 'error', seen: (error as Error).message, cause: `A file in ${certs}/${hostPort}/ cannot be read, so Docker fails every pull from ${hostPort}.`, fix: `Check the owner and mode of the files there (\`ls -l ${certs}/${hostPort}\`): root-readable, 0644 for *.crt.` });
        continue;
      }
      for (const problem of dir.problems) {
        found.push({
          ...base,
          id: 'certs-d-layout',
          severity: /Docker refuses the whole directory/.test(problem) ? 'error' : 'warning',
          seen: problem,
          cause: `Docker reads ${certs}/${hostPort}/ by file extension: *.crt are CAs (PEM), *.cert with a matching *.key are a client pair; anything else is ignored or makes the directory fail.`,
          fix: `Rename a CA to ca.crt, convert DER with \`openssl x509 -inform der -in FILE -out ${certs}/${hostPort}/ca.crt\`, and keep client pairs as client.cert + client.key.`,
        });
      }
      for (const pem of dir.caPems) {
        const inspected = inspectCaPem(pem, s.ports.clock.now());
        const subject = inspected.info?.subject.replace(/\n/g, ', ') ?? 'unknown subject';
        for (const problem of inspected.problems.filter((p) => !/only the first was inspected/.test(p))) {
          const expired = /^expired/.test(problem);
          const early = /^not valid before/.test(problem);
          found.push({
            ...base,
            id: expired ? 'ca-expired' : early ? 'ca-not-yet-valid' : 'ca-not-a-ca',
            severity: expired || early ? 'error' : 'warning',
            seen: `${certs}/${hostPort}: CA ${subject}: ${problem}`,
            cause: expired
              ? `A CA trusted for ${hostPort} has expired: certificates it signed no longer verify.`
              : early
                ? `A CA trusted for ${hostPort} is not valid yet by this host's clock: usually the clock is behind.`
                : `A *.crt in ${certs}/${hostPort}/ is not a CA certificate; Docker uses it as a trust anchor only if it is the server's own certificate.`,
            fix: expired
              ? `Get the renewed CA from the registry administrator and replace the file (\`regsetup join ${hostPort} --ca-url <url> --ca-fingerprint <sha256>\` when regsetup installed it).`
              : early
                ? 'Check this host\'s clock (`date -u`); set it from NTP (`timedatectl set-ntp true`, or `chronyc makestep`).'
                : `Install the CA that signed the registry certificate as ${certs}/${hostPort}/ca.crt instead.`,
          });
        }
      }
    }
    return found;
  },
};
