import { findChallenge } from '../../core/www-authenticate.js';
import { lookupCredentials } from '../../host/credential-lookup.js';
import { clientFor, endpointOf, targets, type VerifyState } from '../state.js';
import type { Step, StepOutcome } from '../types.js';

/** A JWT's granted actions for a repository, when the token is one (distribution, Harbor and Nexus tokens are). */
function grantedActions(token: string | undefined, repo: string): string[] | undefined {
  const payload = token?.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { access?: Array<{ type: string; name: string; actions: string[] }> };
    return claims.access?.filter((a) => a.type === 'repository' && a.name === repo).flatMap((a) => a.actions) ?? [];
  } catch {
    return undefined;
  }
}

/**
 * 4. `/v2/` answers like a registry; its challenge (Basic or Bearer realm); the token endpoint; the credentials.
 * Pull is checked on the registry, push on the push endpoint — as docker will ask for them.
 */
export const registryApi: Step<VerifyState> = {
  name: 'registry-api',
  needs: ['tls'],
  async run(s): Promise<StepOutcome> {
    const details: string[] = [];
    for (const ref of targets(s)) {
      const credentials = s.input.credentials ?? (await lookupCredentials(s.ports.files, s.input.dockerConfigDir, ref.hostPort));
      s.credentials.set(ref.hostPort, credentials);
      const endpoint = endpointOf(s, ref);
      const client = clientFor(s, ref);
      const ping = await client.ping();
      if (ping.status !== 200 && ping.status !== 401) throw new Error(`GET ${endpoint.baseUrl}/v2/ answered HTTP ${ping.status}: not a registry API endpoint`);
      if (ping.status === 401 && ping.challenges.length === 0) throw new Error(`HTTP 401 from ${ref.hostPort}/v2/ without a WWW-Authenticate challenge: no usable realm`);
      const isPush = ref.hostPort === s.input.pushRegistry.hostPort;
      const actions = isPush ? 'pull,push' : 'pull';
      const auth = await client.authenticate([`repository:${s.input.pushRepo}:${actions}`]);
      const who = auth.anonymous ? 'anonymous' : credentials!.username;
      const realm = findChallenge(ping.challenges, 'bearer') ? 'Bearer' : findChallenge(ping.challenges, 'basic') ? 'Basic' : 'no auth';
      if (isPush && auth.scheme === 'bearer') {
        const granted = grantedActions(auth.token, s.input.pushRepo);
        if (granted && !granted.includes('push') && !granted.includes('*')) {
          const seen = `the token from ${auth.realm} grants ${who} only [${granted.join(',')}] on ${s.input.pushRepo}, not push`;
          return {
            failed: credentials
              ? { id: 'push-not-permitted', seen, cause: `${credentials.username} may pull from ${ref.hostPort} but not push to ${s.input.pushRepo}.`, fix: `Give ${credentials.username} push rights on that repository (Nexus: nx-repository-view-docker-<repo>-add/edit; Harbor: Developer role), or verify with another --push-repo.` }
              : { id: 'push-credentials-missing', seen, cause: `No credentials for ${ref.hostPort} were given or found in the Docker config, and anonymous clients may only pull.`, fix: `Pass --username USER --password-stdin, or log in first: \`regsetup login ${ref.hostPort}\`.` },
          };
        }
      }
      if (ping.status === 200 && isPush && !credentials) details.push(`${ref.hostPort}: /v2/ open to anonymous clients`);
      const version = ping.apiVersionHeader ? `, ${ping.apiVersionHeader}` : '';
      details.push(`${ref.hostPort}: ${realm} realm${version}, ${who} may ${actions}`);
    }
    return { detail: details.join('; ') };
  },
};

/**
 * 4b. The push endpoint accepts an upload (started, then cancelled). A Nexus group or a proxy port refuses
 * here at once; through dockerd the same refusal costs about 50 s of retries before it is reported.
 */
export const pushAccess: Step<VerifyState> = {
  name: 'push-access',
  needs: ['registry-api'],
  async run(s) {
    const { pushRegistry, pushRepo } = s.input;
    await clientFor(s, pushRegistry).probeUpload(pushRepo);
    return { detail: `${pushRegistry.hostPort} accepts uploads to ${pushRepo}` };
  },
};
