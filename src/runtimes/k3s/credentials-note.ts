import type { ResolvedDesired } from '../../core/plan-types.js';
import type { K3sLayout } from './layout.js';

// k3s takes registry credentials in one place only: configs.<host>.auth in registries.yaml, in
// plaintext (docs.k3s.io/installation/private-registry). regsetup writes them there only when asked
// with --k3s-store-auth-plaintext; otherwise it points at the kubelet's credential provider, which
// k3s and rke2 switch on themselves when their --image-credential-provider-bin-dir (default
// /var/lib/rancher/credentialprovider/bin) and --image-credential-provider-config (default
// /var/lib/rancher/credentialprovider/config.yaml) both exist (k3s pkg/daemons/agent
// ImageCredProvAvailable; docs.k3s.io/cli/agent).

export function credentialWarnings(desired: ResolvedDesired, layout: Pick<K3sLayout, 'label' | 'registriesPath'>): string[] {
  if (desired.k3sStoreAuthPlaintext && desired.plaintextAuth) {
    return [
      `${layout.registriesPath} now holds the password of ${desired.plaintextAuth.username} in plaintext (configs.<host>.auth; --k3s-store-auth-plaintext): ${layout.label} reads registry credentials nowhere else. The file is root-only; anyone who can read it, or its backups under /var/lib/regsetup, has the password.`,
    ];
  }
  if (desired.k3sStoreAuthPlaintext) return ['--k3s-store-auth-plaintext: no credentials were given (--username with --password-stdin), so none were written.'];
  if (desired.credentialsUser === undefined) return [];
  return [
    `${layout.label} gets no credentials from this join: it takes them only in plaintext in ${layout.registriesPath}. ` +
      `Prefer a kubelet credential provider: with --kubelet-credential-provider, or by hand with the plugin in /var/lib/rancher/credentialprovider/bin and its CredentialProviderConfig at /var/lib/rancher/credentialprovider/config.yaml, which ${layout.label} passes to its kubelet (--image-credential-provider-bin-dir, --image-credential-provider-config) when both exist; ` +
      'or pass --k3s-store-auth-plaintext to write them into the file.',
  ];
}
