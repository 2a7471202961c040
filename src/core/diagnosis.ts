// What goes wrong between a container host and a private registry, each with its cause
// and a fix in plain sentences. Raw texts come from dockerd (Go), Node's TLS and sockets,
// nginx, distribution, Harbor and Nexus. The first entry that matches wins, so the more
// specific entries come first.

export interface Diagnosis {
  id: string;
  cause: string;
  fix: string;
}

export interface DiagnosisContext {
  /** Measured offset of the registry's clock from ours (positive: server ahead). */
  clockSkewMs?: number;
  maxSkewSeconds?: number;
  /** Credentials were sent (a 401 then means they were refused, not missing). */
  hadCredentials?: boolean;
  /** A TLS-terminating proxy sits in front of the registry. */
  behindProxy?: boolean;
  certsDir?: string;
  daemonJson?: string;
}

export interface DiagnosisInput {
  text: string;
  /** host[:port], interpolated into the fixes. */
  registry?: string;
  pushRegistry?: string;
  /** The verify step or command that failed: names holding "push", "mirror" or "clock" refine the answer. */
  step?: string;
  status?: number;
  context?: DiagnosisContext;
}

interface Facts {
  text: string;
  status?: number;
  step: string;
  reg: string;
  push: string;
  certs: string;
  daemonJson: string;
  ctx: DiagnosisContext;
}

interface Entry {
  id: string;
  when(f: Facts): boolean;
  explain(f: Facts): Omit<Diagnosis, 'id'>;
}

const has = (re: RegExp) => (f: Facts) => re.test(f.text);
const clockOff = (f: Facts) =>
  f.ctx.clockSkewMs !== undefined && Math.abs(f.ctx.clockSkewMs) > (f.ctx.maxSkewSeconds ?? 60) * 1000;
const isPush = (f: Facts) => /push/i.test(f.step);
const isMirror = (f: Facts) => /mirror|hub/i.test(f.step);

const timeSymptom = /certificate has expired|not yet valid|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|token (?:is )?expired|unauthorized|authentication required/i;
const ntpFix =
  'Set the clock from NTP: with systemd-timesyncd run `timedatectl set-ntp true && systemctl restart systemd-timesyncd`; ' +
  'with chrony run `chronyc makestep` (and make sure chronyd runs at boot). Check with `date -u` against a good clock.';
const renewOrClock = (f: Facts) =>
  `First check this host's clock (\`date -u\`); if it is wrong: ${ntpFix} If the clock is right, renew the certificate of ${f.reg} and reload the registry (or its proxy).`;

const catalogue: Entry[] = [
  {
    id: 'pass-not-initialized',
    when: has(/pass not initiali[sz]ed|password store is empty/i),
    explain: (f) => ({
      cause: 'Docker is set to keep credentials with the `pass` helper, but `pass` has no password store (it was never initialised).',
      fix: `Run \`regsetup login ${f.reg}\`, which sets up a credential helper that works on this host, or initialise pass with \`gpg --gen-key\` then \`pass init <gpg-id>\` and log in again.`,
    }),
  },
  {
    id: 'daemon-permission-denied',
    when: has(/connect EACCES\s+\S*docker\.sock|permission denied while trying to connect to the Docker daemon/i),
    explain: (f) => ({
      cause: 'This user may not open the Docker socket.',
      fix: `Run regsetup as root (\`sudo regsetup … ${f.reg}\`), or add the user to the docker group (\`usermod -aG docker $USER\`, then log in again).`,
    }),
  },
  {
    id: 'daemon-unreachable',
    when: has(/cannot connect to the docker daemon|is the docker daemon running|(?:ECONNREFUSED|ENOENT)\s+\S*docker\.sock/i),
    explain: (f) => ({
      cause: 'The Docker daemon is not running, or not at the address given (DOCKER_HOST, --docker-host, /var/run/docker.sock).',
      fix: `Start it (\`systemctl start docker\`, or look at \`journalctl -u docker\` for why it stopped — a daemon.json it refuses is a common reason), then run \`regsetup verify ${f.reg}\` again.`,
    }),
  },
  {
    id: 'clock-skew',
    when: (f) => /clock|skew/i.test(f.step) || has(/clock skew|token used before issued|iat.*in the future/i)(f) || (clockOff(f) && timeSymptom.test(f.text)),
    explain: (f) => ({
      cause: `This host's clock is off${f.ctx.clockSkewMs === undefined ? '' : ` by about ${Math.round(f.ctx.clockSkewMs / 1000)} s (the registry's clock minus ours)`}, so certificates and tokens from ${f.reg} look expired or not yet valid.`,
      fix: ntpFix,
    }),
  },
  {
    id: 'certificate-not-yet-valid',
    when: has(/CERT_NOT_YET_VALID|certificate is not yet valid|not yet valid: current time \S+ is before/i),
    explain: (f) => ({
      cause: `The certificate of ${f.reg} starts later than this host's clock says it is now: usually the clock is behind, sometimes the certificate was issued with a future date.`,
      fix: renewOrClock(f),
    }),
  },
  {
    id: 'certificate-expired',
    when: has(/CERT_HAS_EXPIRED|certificate has expired/i),
    explain: (f) => ({ cause: `The certificate of ${f.reg} has expired by this host's clock.`, fix: renewOrClock(f) }),
  },
  {
    id: 'tls-unknown-authority',
    when: has(/unknown authority|UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify the first certificate|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|self[- ]signed certificate|unable to get local issuer certificate|UNABLE_TO_GET_ISSUER_CERT/i),
    explain: (f) => ({
      cause: `The CA that signed the certificate of ${f.reg} is not trusted for that exact host[:port]. Docker looks in ${f.certs}/${f.reg}/ only; a CA under another name or port is not used.`,
      fix: `Install the CA as ${f.certs}/${f.reg}/ca.crt (no restart needed), or run \`regsetup join ${f.reg} --ca-url <url-of-ca.crt>\` (add --ca-fingerprint to pin it).`,
    }),
  },
  {
    id: 'tls-name-mismatch',
    when: has(/certificate is (?:not )?valid for|doesn't contain any IP SANs|ERR_TLS_CERT_ALTNAME_INVALID|does not match certificate's altnames|legacy Common Name field/i),
    explain: (f) => ({
      cause: `The certificate served for ${f.reg} does not name that host (or IP) in its subjectAltName. Current clients ignore the Common Name.`,
      fix: `Use the name the certificate was issued for, or reissue it with ${f.reg.replace(/:\d+$/, '')} in subjectAltName (DNS: for names, IP: for addresses).`,
    }),
  },
  {
    id: 'http-response-to-https',
    when: has(/server gave HTTP response to HTTPS client|wrong version number|packet length too long/i),
    explain: (f) => ({
      cause: `${f.reg} speaks plain HTTP, and Docker uses HTTPS unless told otherwise.`,
      fix: `Best: put TLS in front of it (nginx with a certificate). Or add "${f.reg}" to "insecure-registries" in ${f.daemonJson} (\`regsetup join ${f.reg} --insecure\`) — that turns off TLS for it, so credentials and images cross the network unprotected.`,
    }),
  },
  {
    id: 'push-unauthorized-behind-proxy',
    when: (f) => has(/unauthorized to access repository: .*action: push/i)(f) || (isPush(f) && f.ctx.behindProxy === true && /unauthorized|\b401\b/i.test(f.text)),
    explain: (f) => ({
      cause: `Pushes to ${f.push} are refused although pulls work: the proxy in front of the registry tells it the request came over http (X-Forwarded-Proto), so the token it hands out is not valid for pushes (Harbor before 2.3 behaves this way).`,
      fix: 'In the TLS proxy, send `proxy_set_header X-Forwarded-Proto https;` (not `$scheme` when an inner hop is plain HTTP) and keep `proxy_set_header Host $http_host;`; or upgrade Harbor to 2.3 or later.',
    }),
  },
  {
    id: 'wrong-credentials',
    when: (f) => has(/incorrect username or password|invalid username\/password|bad credentials|login attempt to \S+ failed with status: 401/i)(f) || (f.ctx.hadCredentials === true && (f.status === 401 || /unauthorized/i.test(f.text))),
    explain: (f) => ({
      cause: `${f.reg} refused the username and password that were sent.`,
      fix: `Check them (log in to the registry's web UI with the same pair), then run \`regsetup login ${f.reg}\` again.`,
    }),
  },
  {
    id: 'push-refused-by-group',
    when: (f) => has(/error parsing HTTP 404 response body: unexpected end of JSON input|operation is unsupported|unsupported:|405 Method Not Allowed/i)(f) || f.status === 405 || (isPush(f) && f.status === 404),
    explain: (f) => ({
      cause: `${f.push} does not take pushes: it is a group or proxy repository (Nexus groups, a pull-through cache).`,
      fix: `Push to the hosted repository's own connector instead: \`regsetup join ${f.reg} --push-registry <host:port-of-hosted-repo>\`, and tag images with that host.`,
    }),
  },
  {
    id: 'pull-unauthorized',
    when: (f) => has(/no basic auth credentials|authentication required|pull access denied|\bunauthorized\b/i)(f) || f.status === 401,
    explain: (f) => ({
      cause: isMirror(f)
        ? `${f.reg} asks for credentials, but dockerd never sends any to a mirror: it needs anonymous pull through a Bearer token realm.`
        : `${f.reg} wants credentials and none were usable (not logged in, or the registry offers no token realm Docker can use).`,
      fix: `Log in with \`regsetup login ${f.reg}\`. For anonymous pulls (required for a mirror) on Nexus: activate "Docker Bearer Token Realm" under Security > Realms and tick "Allow anonymous docker pull" on the repository.`,
    }),
  },
  {
    id: 'body-too-large',
    when: (f) => f.status === 413 || has(/Request Entity Too Large|HTTP 413|Content Too Large/i)(f),
    explain: (f) => ({
      cause: `A proxy in front of ${f.push} refuses large request bodies (nginx's default limit is 1 MB).`,
      fix: 'In the nginx server block for the registry, set `client_max_body_size 0;` and reload nginx.',
    }),
  },
  {
    id: 'length-required',
    when: (f) => f.status === 411 || has(/411 Length Required|HTTP 411/i)(f),
    explain: (f) => ({
      cause: `A proxy in front of ${f.push} refuses chunked uploads, which Docker uses for layers.`,
      fix: 'In the nginx server block for the registry, set `chunked_transfer_encoding on;` and reload nginx.',
    }),
  },
  {
    id: 'dns-failure',
    when: has(/ENOTFOUND|EAI_AGAIN|no such host|name resolution|server misbehaving/i),
    explain: (f) => ({
      cause: `The name ${f.reg.replace(/:\d+$/, '')} does not resolve on this host.`,
      fix: `Check the spelling, then DNS (\`getent hosts ${f.reg.replace(/:\d+$/, '')}\`, /etc/resolv.conf), or add it to /etc/hosts.`,
    }),
  },
  {
    id: 'connection-refused',
    when: has(/ECONNREFUSED|connection refused/i),
    explain: (f) => ({
      cause: `Nothing listens at ${f.reg} (wrong port, or the registry or its proxy is down).`,
      fix: `Check the port (Nexus gives each repository its own connector port) and that the service runs: \`curl -v https://${f.reg}/v2/\`.`,
    }),
  },
  {
    id: 'connection-timeout',
    when: has(/ETIMEDOUT|i\/o timeout|CONNECT_TIMEOUT|Connect Timeout|Client\.Timeout exceeded|EHOSTUNREACH|ENETUNREACH|no route to host|network is unreachable/i),
    explain: (f) => ({
      cause: `${f.reg} does not answer: a firewall drops the traffic, or the host is unreachable from here.`,
      fix: `Check routing and firewalls between this host and ${f.reg} (\`curl -v --max-time 10 https://${f.reg}/v2/\`), and any HTTP proxy settings of dockerd.`,
    }),
  },
  // Last: on a mirror step, any more specific failure above explains it better.
  {
    id: 'mirror-not-serving',
    when: (f) => isMirror(f) || has(/mirror (?:did|does) not serve|not (?:served )?(?:by|through|from) the mirror/i)(f),
    explain: (f) => ({
      cause: `${f.reg} is listed in "registry-mirrors" but did not serve the Docker Hub image; dockerd silently fell back to Docker Hub (or failed).`,
      fix: `Make ${f.reg} proxy Docker Hub (Nexus: a docker (proxy) repository of https://registry-1.docker.io inside the group it serves, with anonymous pull), or stop using it as a mirror (remove it from "registry-mirrors" in ${f.daemonJson}).`,
    }),
  },
];

export function diagnose(input: DiagnosisInput): Diagnosis | undefined {
  const reg = input.registry ?? '<registry>';
  const facts: Facts = {
    text: input.text,
    status: input.status,
    step: input.step ?? '',
    reg,
    push: input.pushRegistry ?? reg,
    certs: input.context?.certsDir ?? '/etc/docker/certs.d',
    daemonJson: input.context?.daemonJson ?? '/etc/docker/daemon.json',
    ctx: input.context ?? {},
  };
  const entry = catalogue.find((e) => e.when(facts));
  return entry && { id: entry.id, ...entry.explain(facts) };
}

/** Every id the catalogue can return, for docs and for tests that keep them stable. */
export const diagnosisIds: readonly string[] = catalogue.map((e) => e.id);
