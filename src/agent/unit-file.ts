// The systemd unit of `regsetup agent install`. Type=notify: the agent says READY=1 through
// systemd-notify (a child process, hence NotifyAccess=all) once the first convergence is done.
// Hardened, yet able to do its job: the file system is read-only but for exactly the directories
// regsetup manages (a `-` prefix: one that does not exist on this node is skipped, not an error).

export const UNIT_PATH = '/etc/systemd/system/regsetup-agent.service';

/** What the agent writes: runtime configuration, its own state and socket, the Docker config (credHelpers). */
export const MANAGED_DIRS = ['/etc/docker', '/etc/containerd', '/etc/containers', '/etc/rancher', '/var/lib/kubelet', '/var/lib/regsetup', '/run/regsetup', '/etc/regsetup'];

const quote = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `"${arg.replace(/(["\\$])/g, '\\$1')}"`);

export function renderUnit(o: { exec: string[]; config: string; dockerConfigDir: string; credentialDirs?: string[] }): string {
  const writable = [...MANAGED_DIRS, o.dockerConfigDir, ...(o.credentialDirs ?? [])];
  return `# Written by \`regsetup agent install\`; \`regsetup agent uninstall\` removes it.
[Unit]
Description=regsetup agent: keep this node's container runtimes converged on their registries
Documentation=https://github.com/regsetup/regsetup
After=network-online.target docker.service containerd.service
Wants=network-online.target

[Service]
Type=notify
NotifyAccess=all
ExecStart=${[...o.exec, 'agent', '--config', o.config].map(quote).join(' ')}
ExecReload=/bin/kill -HUP $MAINPID
Restart=on-failure
RestartSec=5s
TimeoutStartSec=120s
TimeoutStopSec=15s
KillMode=mixed
RuntimeDirectory=regsetup
RuntimeDirectoryPreserve=yes
NoNewPrivileges=yes
ProtectSystem=strict
ReadWritePaths=${[...new Set(writable)].map((d) => `-${d}`).join(' ')}
ProtectHome=read-only
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictSUIDSGID=yes
RestrictRealtime=yes
LockPersonality=yes
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK
SystemCallArchitectures=native
UMask=0022

[Install]
WantedBy=multi-user.target
`;
}
