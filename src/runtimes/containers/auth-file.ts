import { authKeyHost, parseDockerConfig, type DockerConfig } from '../../core/docker-config.js';
import { editDockerConfig, REGSETUP_HELPER } from '../../core/docker-config-edit.js';
import type { FileAction } from '../../core/plan-types.js';
import type { ContainersRecord } from './record.js';
import { readable, textOf, type ContainersSnapshot } from './snapshot.js';

// Where podman, buildah and skopeo find credentials (containers/image pkg/docker/config,
// getAuthFilePaths + findCredentialsInFile): the first of
//   $REGISTRY_AUTH_FILE / --authfile   (podman's flag; with it newer versions read nothing else)
//   $XDG_RUNTIME_DIR/containers/auth.json, else /run/containers/<uid>/auth.json   (tmpfs: gone at boot)
//   $XDG_CONFIG_HOME/containers/auth.json, else ~/.config/containers/auth.json   (since v5.7)
//   $DOCKER_CONFIG/config.json, else ~/.docker/config.json
//   ~/.dockercfg
// that has something for the registry; in each file a credHelpers entry keyed exactly host[:port]
// wins over its auths, and a helper that answers "not found" passes on to the next file.
// regsetup names docker-credential-regsetup in the third: it survives a reboot (the per-boot file
// does not), needs no environment variable in every shell and unit (REGISTRY_AUTH_FILE would), is
// read before ~/.docker/config.json (whose plaintext auths would otherwise win), and is the
// containers family's own file, so leave edits it without touching Docker's. Only `podman login`
// credentials for the same registry in the per-boot file still come first: the plan warns.

export type AuthRecord = NonNullable<ContainersRecord['authFile']>;

/** The auth file as containers/image decodes it (Docker's config.json format, read the same strict way). */
export const parseAuthJson = (text: string | undefined, path: string): DockerConfig => parseDockerConfig(text, path);

const holdsSecrets = (c: DockerConfig) => Object.values(c.auths ?? {}).some((a) => a.auth !== undefined || a.identitytoken !== undefined);

export interface AuthPlan {
  action?: FileAction;
  record?: AuthRecord;
  warnings: string[];
}

/** credHelpers[host[:port]] = regsetup for the registry and push registry; never an `auth` field. */
export function planAuthFile(snapshot: ContainersSnapshot, keys: readonly string[], previous: AuthRecord | undefined): AuthPlan {
  const path = snapshot.layout.authFile;
  const warnings: string[] = [];
  const text = readable(snapshot.authFile, path);
  const config = parseAuthJson(text, path);
  const replaced: Record<string, string> = { ...previous?.replaced };
  for (const key of keys) {
    const was = config.credHelpers?.[key];
    if (was !== undefined && was !== REGSETUP_HELPER && replaced[key] === undefined) {
      replaced[key] = was;
      warnings.push(`${path} sent ${key} to docker-credential-${was}; it now names docker-credential-regsetup (leave puts ${was} back).`);
    }
  }
  warnings.push(...shadows(snapshot, keys));
  if (previous !== undefined && previous.path !== path) warnings.push(`credHelpers were written to ${previous.path} at an earlier join; this one uses ${path}.`);
  const edit = editDockerConfig(text, { setHelpers: Object.fromEntries(keys.map((k) => [k, REGSETUP_HELPER])) }, path);
  const record: AuthRecord = {
    path,
    keys: [...new Set([...(previous?.path === path ? previous.keys : []), ...keys])],
    ...(previous?.created || text === undefined ? { created: true } : {}),
    ...(Object.keys(replaced).length > 0 ? { replaced } : {}),
  };
  if (!edit.changed) return { record, warnings };
  const mode = snapshot.authFile.state === 'text' ? snapshot.authFile.mode : 0o600;
  const action: FileAction = {
    kind: 'write-file',
    path,
    ...(text === undefined ? {} : { before: text }),
    after: edit.text,
    mode,
    reason: `let podman, buildah and skopeo ask docker-credential-regsetup for ${keys.join(', ')}`,
    // Other registries' plaintext logins in the same file must never reach a diff.
    ...(holdsSecrets(config) ? { secret: true } : {}),
  };
  return { action, record, warnings };
}

/** Files containers/image reads first that already answer for these registries. */
function shadows(snapshot: ContainersSnapshot, keys: readonly string[]): string[] {
  const out: string[] = [];
  for (const { path, file } of snapshot.runtimeAuth) {
    let config: DockerConfig;
    try {
      config = parseAuthJson(textOf(file), path);
    } catch {
      continue;
    }
    for (const key of keys) {
      const login = Object.keys(config.auths ?? {}).some((k) => authKeyHost(k) === key);
      const helper = config.credHelpers?.[key];
      if (login || (helper !== undefined && helper !== REGSETUP_HELPER)) {
        out.push(`${path} (podman login's file, until reboot) answers for ${key} first: \`podman logout ${key}\` to use regsetup's helper now.`);
      }
    }
  }
  if (snapshot.registryAuthFileEnv !== undefined) out.push(`REGISTRY_AUTH_FILE=${snapshot.registryAuthFileEnv} is set here: podman run with it reads that file instead of ${snapshot.layout.authFile}.`);
  return out;
}

/** Leave: drop the credHelpers entries while they still name regsetup, put back what they replaced, remove a file regsetup created once it is empty. */
export function unplanAuthFile(snapshot: ContainersSnapshot, record: AuthRecord, warnings: string[]): FileAction | undefined {
  const text = textOf(snapshot.authFile);
  if (text === undefined || snapshot.layout.authFile !== record.path) {
    if (text === undefined) warnings.push(`${record.path} is gone already.`);
    else warnings.push(`${record.path} is not the auth file regsetup reads now (${snapshot.layout.authFile}); its credHelpers entries are left there.`);
    return undefined;
  }
  const config = parseAuthJson(text, record.path);
  const ours = record.keys.filter((k) => config.credHelpers?.[k] === REGSETUP_HELPER);
  const restore = Object.fromEntries(Object.entries(record.replaced ?? {}).filter(([k]) => ours.includes(k)));
  const removed = editDockerConfig(text, { removeHelpers: { keys: ours.filter((k) => restore[k] === undefined), helper: REGSETUP_HELPER } }, record.path);
  const edit = editDockerConfig(removed.text, { setHelpers: restore }, record.path);
  if (!removed.changed && !edit.changed) return undefined;
  const secret = holdsSecrets(config) ? { secret: true } : {};
  if (record.created && Object.keys(parseAuthJson(edit.text, record.path)).length === 0) {
    return { kind: 'remove-file', path: record.path, before: text, reason: 'regsetup created it; nothing else is in it', ...secret };
  }
  const mode = snapshot.authFile.state === 'text' ? snapshot.authFile.mode : 0o600;
  return { kind: 'write-file', path: record.path, before: text, after: edit.text, mode, reason: `stop sending ${ours.join(', ')} to docker-credential-regsetup`, ...secret };
}
