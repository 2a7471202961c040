import type { Check, DoctorState } from '../ports.js';
import type { Finding } from '../types.js';

const PASS_FIX = 'Run `regsetup login <registry>` (it stores credentials with a helper that works on this host), or initialise pass: `gpg --gen-key`, then `pass init <gpg-id>`.';

/** 5. The user's Docker credentials: helpers present and answering, `pass` usable, no plaintext left. */
export const credentialsCheck: Check = {
  name: 'credentials',
  async run(s: DoctorState): Promise<Finding[]> {
    const r = await s.ports.credentials();
    const base = { check: 'credentials' } as const;
    if (r.configError) {
      return [{ ...base, id: 'docker-config-malformed', severity: 'error', seen: r.configError, cause: `The Docker CLI cannot read ${r.configPath}, so every docker command that needs credentials fails.`, fix: `Fix the JSON in ${r.configPath}, or move it away and log in again.`, fixable: false }];
    }
    const found: Finding[] = [];
    const pushing = s.targets.filter((t) => t.push);
    const registries = [...new Set((pushing.length > 0 ? pushing : s.targets).flatMap((t) => [t.registry.hostPort, t.pushRegistry.hostPort]))];
    const passFix = s.ports.fixes.avoidPass?.(registries);
    // Only helpers the config names matter: one merely installed (secretservice without a keyring) is not used.
    for (const h of r.helpers.filter((x) => x.serves.length > 0)) {
      const serves = h.serves.includes('credsStore') ? 'every registry (credsStore)' : h.serves.join(', ');
      if (h.path === undefined) {
        found.push({ ...base, id: 'credential-helper-missing', severity: 'error', seen: `${r.configPath} names docker-credential-${h.name} for ${serves}, and it is not on PATH`, cause: `The Docker CLI cannot log in to or pull from ${serves} with credentials: the helper it is told to use does not exist.`, fix: `Install it (Debian: \`apt-get install golang-docker-credential-helpers\` for pass/secretservice), or run \`regsetup login <registry>\` to use regsetup's helper.`, fixable: false });
      } else if (h.working === false) {
        const pass = h.name === 'pass' && /pass not initiali[sz]ed|password store is empty|gpg/i.test(h.error ?? '');
        found.push({
          ...base,
          id: pass ? 'pass-not-initialized' : 'credential-helper-broken',
          severity: 'error',
          seen: `docker-credential-${h.name} list: ${h.error ?? 'failed'}`,
          cause: pass ? 'Docker keeps credentials with `pass`, but pass has no password store (never initialised): `docker login` fails.' : `docker-credential-${h.name}, used for ${serves}, does not answer: logins and authenticated pulls fail.`,
          fix: pass ? PASS_FIX : `Run \`docker-credential-${h.name} list\` to see why, or move these registries to regsetup's helper with \`regsetup login <registry>\`.`,
          fixable: pass && passFix !== undefined,
          ...(pass && passFix ? { apply: passFix } : {}),
        });
      }
    }
    const p = r.pass;
    if (p.usedByDocker && p.installed && !p.initialised && !found.some((f) => f.id === 'pass-not-initialized')) {
      found.push({
        ...base,
        id: 'pass-not-initialized',
        severity: 'error',
        seen: `pass is installed but ${p.storeDir}/.gpg-id does not exist ("pass not initialized")`,
        cause: 'The Docker CLI picks `pass` to keep credentials on this host (it is on PATH with docker-credential-pass), but pass was never initialised: `docker login` fails with "pass not initialized".',
        fix: PASS_FIX,
        fixable: passFix !== undefined,
        ...(passFix ? { apply: passFix } : {}),
      });
    }
    if (r.plaintext.length > 0) {
      const fix = s.ports.fixes.migrateCredentials?.();
      found.push({
        ...base,
        id: 'plaintext-credentials',
        severity: 'warning',
        seen: `${r.configPath} holds base64 user:password for ${r.plaintext.map((e) => `${e.host} (${e.username})`).join(', ')}`,
        cause: 'Passwords sit in the Docker config as base64, readable by anyone who can read or copy the file.',
        fix: 'Move them into a credential helper: `regsetup creds migrate`.',
        fixable: fix !== undefined,
        ...(fix ? { apply: fix } : {}),
      });
    }
    return found;
  },
};
