import { describe, expect, it } from 'vitest';
import { diagnose, diagnosisIds } from '../../src/core/diagnosis.js';
import type { DiagnosisInput } from '../../src/core/diagnosis.js';

const REG = 'nexus.example.com:8443';
const PUSH = 'nexus.example.com:8444';

// Raw texts as the tools print them (dockerd via the CLI or the API, Node's TLS and
// sockets, nginx, distribution, Harbor, Nexus, docker-credential-pass).
const cases: Array<[string, string, Partial<DiagnosisInput>?]> = [
  ['tls-unknown-authority', `Error response from daemon: Get "https://${REG}/v2/": tls: failed to verify certificate: x509: certificate signed by unknown authority`],
  ['tls-unknown-authority', `Get https://${REG}/v2/: x509: certificate signed by unknown authority (possibly because of "crypto/rsa: verification error" while trying to verify candidate authority certificate "Lab CA")`],
  ['tls-unknown-authority', 'unable to verify the first certificate (UNABLE_TO_VERIFY_LEAF_SIGNATURE)'],
  ['tls-unknown-authority', 'self-signed certificate in certificate chain (SELF_SIGNED_CERT_IN_CHAIN)'],
  ['tls-unknown-authority', 'unable to get local issuer certificate'],
  ['tls-unknown-authority', 'self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)'],
  ['certificate-expired', `Get "https://${REG}/v2/": x509: certificate has expired or is not yet valid: current time 2026-05-14T09:30:00Z is after 2026-05-01T00:00:00Z`],
  ['certificate-expired', 'certificate has expired (CERT_HAS_EXPIRED)'],
  ['certificate-not-yet-valid', `Get "https://${REG}/v2/": x509: certificate has expired or is not yet valid: current time 2020-01-01T00:00:00Z is before 2026-05-01T00:00:00Z`],
  ['certificate-not-yet-valid', 'certificate is not yet valid (CERT_NOT_YET_VALID)'],
  ['clock-skew', 'x509: certificate has expired or is not yet valid: current time 2020-01-01T00:00:00Z is before 2026-05-01T00:00:00Z', { context: { clockSkewMs: 6 * 365 * 86400_000 } }],
  ['clock-skew', 'unauthorized: authentication required', { context: { clockSkewMs: -300_000, maxSkewSeconds: 60 } }],
  ['clock-skew', 'the registry clock is 3h ahead of ours', { step: 'clock-skew' }],
  ['tls-name-mismatch', `Get "https://${REG}/v2/": tls: failed to verify certificate: x509: certificate is valid for registry.example.com, not nexus.example.com`],
  ['tls-name-mismatch', "Hostname/IP does not match certificate's altnames: Host: nexus.example.com. is not in the cert's altnames: DNS:registry.example.com (ERR_TLS_CERT_ALTNAME_INVALID)"],
  ['tls-name-mismatch', 'x509: cannot validate certificate for 10.0.0.5 because it doesn\'t contain any IP SANs'],
  ['tls-name-mismatch', 'x509: certificate relies on legacy Common Name field, use SANs instead'],
  ['http-response-to-https', `Error response from daemon: Get "https://${REG}/v2/": http: server gave HTTP response to HTTPS client`],
  ['http-response-to-https', 'write EPROTO 40E7B8F5:error:0A00010B:SSL routines:ssl3_get_record:wrong version number'],
  ['pull-unauthorized', `Error response from daemon: Head "https://${REG}/v2/library/alpine/manifests/3.20": no basic auth credentials`],
  ['pull-unauthorized', 'Error response from daemon: unauthorized: authentication required'],
  ['pull-unauthorized', `Error response from daemon: pull access denied for ${REG}/team/app, repository does not exist or may require 'docker login': denied: requested access to the resource is denied`],
  ['pull-unauthorized', 'GET /v2/ answered 401 with no usable challenge', { status: 401 }],
  ['push-unauthorized-behind-proxy', 'unauthorized: unauthorized to access repository: library/regsetup-probe, action: push: unauthorized to access repository: library/regsetup-probe, action: push'],
  ['push-unauthorized-behind-proxy', 'unauthorized: authentication required', { step: 'push', context: { behindProxy: true } }],
  ['push-refused-by-group', 'error parsing HTTP 404 response body: unexpected end of JSON input: ""', { step: 'push' }],
  ['push-refused-by-group', 'unsupported: The operation is unsupported.'],
  ['push-refused-by-group', 'POST /v2/probe/blobs/uploads/ answered 405 Method Not Allowed'],
  ['push-refused-by-group', 'upload refused', { step: 'push', status: 404 }],
  ['body-too-large', 'error parsing HTTP 413 response body: invalid character \'<\' looking for beginning of value: "<html>\\r\\n<head><title>413 Request Entity Too Large</title></head>"'],
  ['body-too-large', 'PUT blob failed', { status: 413 }],
  ['length-required', 'error parsing HTTP 411 response body: invalid character \'<\' looking for beginning of value: "<html>\\r\\n<head><title>411 Length Required</title></head>"'],
  ['mirror-not-serving', 'alpine:3.20 was pulled from registry-1.docker.io, not through the mirror', { step: 'mirror' }],
  ['mirror-not-serving', 'manifest unknown: manifest unknown', { step: 'hub-pull' }],
  ['pull-unauthorized', 'no basic auth credentials', { step: 'mirror' }],
  ['daemon-unreachable', 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?'],
  ['daemon-unreachable', 'connect ENOENT /var/run/docker.sock'],
  ['daemon-unreachable', 'connect ECONNREFUSED /run/user/1000/docker.sock'],
  ['daemon-permission-denied', 'connect EACCES /var/run/docker.sock'],
  ['daemon-permission-denied', 'permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: Get "http://%2Fvar%2Frun%2Fdocker.sock/v1.24/info": dial unix /var/run/docker.sock: connect: permission denied'],
  ['dns-failure', 'getaddrinfo ENOTFOUND nexus.example.com'],
  ['dns-failure', `Error response from daemon: Get "https://${REG}/v2/": dial tcp: lookup nexus.example.com on 127.0.0.53:53: no such host`],
  ['dns-failure', 'getaddrinfo EAI_AGAIN nexus.example.com'],
  ['connection-refused', 'connect ECONNREFUSED 10.0.0.5:8443'],
  ['connection-refused', `Error response from daemon: Get "https://${REG}/v2/": dial tcp 10.0.0.5:8443: connect: connection refused`],
  ['connection-timeout', `Error response from daemon: Get "https://${REG}/v2/": net/http: request canceled while waiting for connection (Client.Timeout exceeded while awaiting headers)`],
  ['connection-timeout', 'Connect Timeout Error (attempted address: nexus.example.com:8443, timeout: 10000ms) UND_ERR_CONNECT_TIMEOUT'],
  ['connection-timeout', 'dial tcp 10.0.0.5:8443: i/o timeout'],
  ['connection-timeout', 'connect EHOSTUNREACH 10.0.0.5:8443'],
  ['wrong-credentials', 'Error response from daemon: Get "https://registry-1.docker.io/v2/": unauthorized: incorrect username or password'],
  ['wrong-credentials', `Error response from daemon: login attempt to https://${REG}/v2/ failed with status: 401 Unauthorized`],
  ['wrong-credentials', 'token endpoint answered 401', { status: 401, context: { hadCredentials: true } }],
  ['pass-not-initialized', 'Error saving credentials: error storing credentials - err: exit status 1, out: `pass not initialized: exit status 1: Error: password store is empty. Try "pass init".`'],
];

describe('diagnose', () => {
  it.each(cases)('%s ← %s', (id, text, extra = {}) => {
    const found = diagnose({ text, registry: REG, pushRegistry: PUSH, ...extra });
    expect(found?.id).toBe(id);
    // Every answer names the registry it is about, so the user can act on it as written.
    expect(`${found?.cause} ${found?.fix}`).toMatch(/nexus\.example\.com/);
  });

  it('gives the exact certs.d path, port included', () => {
    const found = diagnose({ text: 'x509: certificate signed by unknown authority', registry: REG });
    expect(found?.fix).toContain(`/etc/docker/certs.d/${REG}/ca.crt`);
    expect(found?.fix).toContain(`regsetup join ${REG} --ca-url`);
  });

  it('uses a rootless certs.d when told', () => {
    const found = diagnose({ text: 'x509: certificate signed by unknown authority', registry: REG, context: { certsDir: '/home/u/.config/docker/certs.d' } });
    expect(found?.fix).toContain(`/home/u/.config/docker/certs.d/${REG}/ca.crt`);
  });

  it('names the daemon.json key for a plain-HTTP registry', () => {
    expect(diagnose({ text: 'http: server gave HTTP response to HTTPS client', registry: REG })?.fix).toMatch(/"insecure-registries" in \/etc\/docker\/daemon.json[\s\S]*turns off TLS/);
  });

  it('points a push at the push endpoint', () => {
    expect(diagnose({ text: 'unsupported: The operation is unsupported.', registry: REG, pushRegistry: PUSH })?.cause).toContain(PUSH);
  });

  it('gives NTP commands for timesyncd and chrony', () => {
    const fix = diagnose({ text: '', step: 'clock-skew', registry: REG })?.fix;
    expect(fix).toContain('timedatectl set-ntp true');
    expect(fix).toContain('systemctl restart systemd-timesyncd');
    expect(fix).toContain('chronyc makestep');
  });

  it('says mirror-specific things about credentials on a mirror', () => {
    expect(diagnose({ text: 'no basic auth credentials', step: 'mirror', registry: REG })?.cause).toMatch(/never sends any to a mirror/);
  });

  it('keeps a small skew out of the way', () => {
    const found = diagnose({ text: 'unauthorized: authentication required', registry: REG, context: { clockSkewMs: 2000 } });
    expect(found?.id).toBe('pull-unauthorized');
  });

  it('answers undefined for what it does not know', () => {
    expect(diagnose({ text: 'something else entirely', registry: REG })).toBeUndefined();
  });

  it('uses a placeholder when the registry is unknown', () => {
    expect(diagnose({ text: 'x509: certificate signed by unknown authority' })?.fix).toContain('/etc/docker/certs.d/<registry>/ca.crt');
  });

  it('has a test case for every entry, and unique ids', () => {
    expect(new Set(diagnosisIds).size).toBe(diagnosisIds.length);
    expect(new Set(cases.map(([id]) => id))).toEqual(new Set(diagnosisIds));
  });
});
