import { posix } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { credentialKey, editDockerConfig, REGSETUP_HELPER } from '../../core/docker-config-edit.js';
import { parseDockerConfig } from '../../core/docker-config.js';
import type { CredentialBackend } from '../../credentials/backend.js';
import { ensureHelperOnPath } from '../../credentials/helper-wrapper.js';
import { migrateCredentials, planMigration } from '../../credentials/migrate.js';
import type { Files } from '../../host/files.js';
import type { Fix, PreparedFix } from '../types.js';

/** What the credentials module needs: the Docker config of the user doctor runs for, and regsetup's store. */
export interface CredentialFixPorts {
  /** Under --root. */
  files: Files;
  store: CredentialBackend;
  env: NodeJS.ProcessEnv;
  root: string;
  /** Host path. */
  dockerConfigDir: string;
}

const configPath = (p: CredentialFixPorts) => posix.join(p.dockerConfigDir, 'config.json');

/** Plaintext auths → regsetup's helper, through `creds migrate`'s all-or-nothing path. */
export function migrateFix(p: CredentialFixPorts): Fix {
  return {
    key: 'credentials:migrate',
    title: `move the plaintext credentials of ${configPath(p)} into docker-credential-regsetup`,
    prepare: async (): Promise<PreparedFix> => {
      const items = planMigration(parseDockerConfig(await p.files.readText(configPath(p)), configPath(p)));
      return {
        preview: items.map((i) => (i.action === 'move' ? `move ${i.registry} (${i.username}) into the helper; credHelpers["${i.registry}"] = "regsetup"; its auths entry is removed` : `keep ${i.authKey}: ${i.reason ?? ''}`)),
        apply: async () => {
          const helper = await ensureHelperOnPath(p, { root: p.root, dockerConfigDir: p.dockerConfigDir });
          const r = await migrateCredentials(p, { dockerConfigDir: p.dockerConfigDir });
          return [...(helper.installed ? [`installed ${helper.path}`] : []), `moved ${r.moved.length} credential(s) out of ${r.dockerConfig}: ${r.moved.join(', ') || 'none'}`];
        },
      };
    },
  };
}

/**
 * The docker CLI falls back to `pass` only for a config that names no helper: naming
 * regsetup's helper for the registries doctor checks makes `docker login` to them work.
 */
export function passFix(p: CredentialFixPorts, registries: string[]): Fix | undefined {
  if (registries.length === 0) return undefined;
  const keys = [...new Set(registries.map(credentialKey))];
  return {
    key: 'credentials:pass',
    title: `keep the logins of ${keys.join(', ')} with docker-credential-regsetup instead of the uninitialised pass`,
    prepare: async (): Promise<PreparedFix> => {
      const path = configPath(p);
      const before = await p.files.readText(path);
      const edit = editDockerConfig(before, { setHelpers: Object.fromEntries(keys.map((k) => [k, REGSETUP_HELPER])) }, path);
      const diff = createTwoFilesPatch(before === undefined ? '/dev/null' : path, path, before ?? '', edit.text, undefined, undefined, { context: 3 });
      return {
        preview: [...diff.trimEnd().split('\n').filter((l) => !/^={3,}$|^Index:/.test(l)), 'docker-credential-regsetup is put on PATH (/usr/local/bin) when it is not there'],
        warning: 'with a helper named in config.json the docker CLI stops falling back to pass for every registry: logins to registries not listed here are then kept in plaintext until `regsetup login` (or `regsetup creds migrate`) moves them.',
        apply: async () => {
          const helper = await ensureHelperOnPath(p, { root: p.root, dockerConfigDir: p.dockerConfigDir });
          if (edit.changed) {
            if (before === undefined) await p.files.mkdirp(p.dockerConfigDir, 0o700);
            await p.files.writeAtomic(path, edit.text, before === undefined ? { mode: 0o600 } : {});
          }
          return [...(helper.installed ? [`installed ${helper.path}`] : []), `${path}: credHelpers ${keys.map((k) => `"${k}"`).join(', ')} → regsetup`];
        },
      };
    },
  };
}
