import { posix } from 'node:path';

/**
 * The programs the single executable is, chosen by the name it was started under: the docker
 * CLI runs `docker-credential-regsetup` (a symlink to the executable) with argv[0] set to that
 * name, and the kubelet runs its credential providers by path.
 */
export type EntryPoint = 'regsetup' | 'docker-credential-regsetup';

export function entryPointFor(startedAs: string | undefined): EntryPoint {
  const name = posix.basename(startedAs ?? '');
  if (name === 'docker-credential-regsetup') return 'docker-credential-regsetup';
  // KUBELET_CREDENTIAL_PROVIDER: the kubelet credential provider plugs in here, under the name
  // its CredentialProviderConfig gives (add it to EntryPoint and to sea-entry.ts's table).
  return 'regsetup';
}
