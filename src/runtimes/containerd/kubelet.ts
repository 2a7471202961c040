import { parse } from 'yaml';
import { sha256Hex } from '../../core/digest.js';
import { planProviderConfig, unplanProviderConfig } from '../../core/kubelet-provider-config.js';
import { kubeletProviderEntry, matchImageFor } from '../../core/kubelet-provider-entry.js';
import { planOwnedFile } from '../../core/owned-file.js';
import type { FileAction, PlannedFile, ResolvedDesired } from '../../core/plan-types.js';
import { refused } from '../../core/errors.js';
import type { PlanContext } from '../types.js';
import type { ContainerdSnapshot } from './snapshot.js';

// containerd keeps no credentials: kubelet passes them with each CRI pull. The clean way to give
// kubelet regsetup's (never a password in config.toml or hosts.toml) is its credential-provider
// exec plugin: an executable named like the provider in --image-credential-provider-bin-dir, and
// an entry in --image-credential-provider-config whose matchImages name the registries. The
// executable runs `regsetup kubelet-credential-provider`, which answers from the helper's store.

export const DEFAULT_PROVIDER_CONFIG = '/etc/kubernetes/credential-provider-config.yaml';
export const DEFAULT_PROVIDER_BIN_DIR = '/usr/local/libexec/kubernetes/credential-providers';
export const PROVIDER_NAME = 'regsetup';

export const providerPaths = (snap: Pick<ContainerdSnapshot, 'kubelet'>) => ({
  config: snap.kubelet?.configPath ?? DEFAULT_PROVIDER_CONFIG,
  executable: `${(snap.kubelet?.binDir ?? DEFAULT_PROVIDER_BIN_DIR).replace(/\/+$/, '')}/${PROVIDER_NAME}`,
});

/** matchImages of regsetup's entry as the file has them now (several registries share the one entry). */
function currentMatches(text: string | undefined): string[] {
  if (text === undefined || text.trim() === '') return [];
  try {
    const doc = parse(text) as { providers?: Array<{ name?: unknown; matchImages?: unknown }> };
    const mine = doc.providers?.find((p) => p.name === PROVIDER_NAME);
    return Array.isArray(mine?.matchImages) ? mine.matchImages.filter((m): m is string => typeof m === 'string') : [];
  } catch {
    return []; // planProviderConfig refuses the malformed file with its line
  }
}

const script = (self: string[]) =>
  `#!/bin/sh\n# Written by regsetup: kubelet's credential provider "${PROVIDER_NAME}" (regsetup leave removes it).\nexec ${self.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ')} kubelet-credential-provider "$@"\n`;

export function planKubeletProvider(snap: ContainerdSnapshot, desired: ResolvedDesired, ctx: PlanContext, warnings: string[]): { actions: FileAction[]; files: PlannedFile[] } {
  const paths = providerPaths(snap);
  const provider = snap.provider;
  if (provider === undefined) throw new Error('the snapshot has no kubelet provider files (the session reads them for --kubelet-credential-provider)');
  const ours = [desired.registry, ...(desired.pushRegistry ? [desired.pushRegistry] : [])].map(matchImageFor);
  const matches = [...new Set([...currentMatches(provider.config.text), ...ours])];
  const entry = { ...kubeletProviderEntry({ registry: matches[0]! }), matchImages: matches };
  const edit = planProviderConfig(provider.config.text, entry, paths.config);
  const actions: FileAction[] = [];
  const files: PlannedFile[] = [];
  if (edit.changed && edit.text !== undefined) {
    actions.push({ kind: 'write-file', path: paths.config, ...(provider.config.text === undefined ? {} : { before: provider.config.text }), after: edit.text, mode: 0o644, reason: `kubelet's credential provider for ${ours.join(', ')}` });
  }
  const exe = planOwnedFile({
    path: paths.executable,
    content: script(snap.selfCommand),
    current: provider.executable.text,
    mode: 0o755,
    journal: ctx.journal,
    registry: desired.registry,
    reason: 'the credential provider kubelet runs',
    conflict: () => refused('ERR_KUBELET_PROVIDER_CONFLICT', `${paths.executable} exists and is not regsetup's`, `Move it away, or point kubelet's --image-credential-provider-bin-dir elsewhere; nothing was changed.`),
  });
  if (exe.action) actions.push(exe.action);
  files.push(exe.file ?? { path: paths.executable, sha256: sha256Hex(script(snap.selfCommand)) });
  if (snap.kubelet?.configPath === undefined || snap.kubelet.binDir === undefined) {
    warnings.push(
      `kubelet must be started with --image-credential-provider-config=${paths.config} --image-credential-provider-bin-dir=${paths.executable.replace(/\/[^/]+$/, '')} ` +
        '(kubeadm: KUBELET_EXTRA_ARGS in /etc/default/kubelet, then `systemctl restart kubelet`); until then CRI pulls of private images get no credentials.',
    );
  }
  return { actions, files };
}

/** Leave: this registry's matchImages go from regsetup's entry; the entry (and file) when none is left. */
export function unplanKubeletProvider(snap: ContainerdSnapshot, registries: string[], warnings: string[]): FileAction[] {
  const paths = providerPaths(snap);
  const text = snap.provider?.config.text;
  const left = currentMatches(text).filter((m) => !registries.includes(m));
  if (text === undefined || currentMatches(text).length === left.length) return [];
  const edit = left.length > 0 ? planProviderConfig(text, { ...kubeletProviderEntry({ registry: left[0]! }), matchImages: left }, paths.config) : unplanProviderConfig(text, PROVIDER_NAME, paths.config);
  if (!edit.changed) return [];
  if (left.length === 0) warnings.push('kubelet still names the credential provider in its flags; remove --image-credential-provider-* from its arguments if no other provider is left.');
  return [edit.text === undefined ? { kind: 'remove-file', path: paths.config, before: text, reason: 'no registry uses the credential provider any more' } : { kind: 'write-file', path: paths.config, before: text, after: edit.text, mode: 0o644, reason: `kubelet's credential provider without ${registries.join(', ')}` }];
}
