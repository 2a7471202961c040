// What the containerd planner knows: plain data the session read beforehand.

export interface TextFile {
  path: string;
  /** undefined: the file does not exist. */
  text?: string;
}

export interface ContainerdSnapshot {
  /** `containerd --version` / CRI's runtimeVersion: 1.6.20, 2.1.4, … */
  version: { major: number; minor: number; text: string };
  /** config.toml (its --config argument, else /etc/containerd/config.toml). */
  config: TextFile;
  /** Every file `imports` pulls in, in containerd's order (globs expanded). */
  imports: TextFile[];
  /** hosts.toml and the files regsetup manages under the hosts root(s), by path. */
  hostsFiles: Record<string, string>;
  /** Host directories that exist under each root, by root: containerd's first existing directory wins. */
  hostDirs: Record<string, string[]>;
  /** Contents of backup files named by the journal (for leave), by backup path. */
  backups?: Record<string, string>;
  running: boolean;
  /** A service manager (systemd) or the plain-process restart can restart it. */
  canRestart: boolean;
  /** The kubelet's credential-provider flags, when a kubelet runs here. */
  kubelet?: { configPath?: string; binDir?: string };
  /** The provider config and the provider executable as they are now (only with --kubelet-credential-provider). */
  provider?: { config: TextFile; executable: TextFile };
  /** How the provider executable runs regsetup (the single executable, or Node and this install's bin/regsetup). */
  selfCommand: string[];
}
