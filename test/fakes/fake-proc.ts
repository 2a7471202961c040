// Fake /proc entries for memfs trees: what findDockerds, findProcesses and the runtimes read.

export interface FakeProcess {
  comm?: string;
  argv?: string[];
  cgroup?: string;
  environ?: Record<string, string>;
  ppid?: number;
  uid?: number;
}

/** The /proc/<pid>/… files of one process (a dockerd run by root unless said). */
export const proc = (pid: number, p: FakeProcess = {}): Record<string, string> => ({
  [`/proc/${pid}/comm`]: `${p.comm ?? 'dockerd'}\n`,
  [`/proc/${pid}/cmdline`]: `${(p.argv ?? ['/usr/bin/dockerd']).join('\0')}\0`,
  [`/proc/${pid}/cgroup`]: `${p.cgroup ?? '0::/'}\n`,
  [`/proc/${pid}/environ`]: Object.entries(p.environ ?? {}).map(([k, v]) => `${k}=${v}\0`).join(''),
  [`/proc/${pid}/status`]: `Name:\t${p.comm ?? 'dockerd'}\nPPid:\t${p.ppid ?? 1}\nUid:\t${p.uid ?? 0}\t${p.uid ?? 0}\t${p.uid ?? 0}\t${p.uid ?? 0}\n`,
});

export const PASSWD = 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000:Alice:/home/alice:/bin/bash\nbob:x:1001:1001::/home/bob:/bin/sh\n';

/**
 * A rootless dockerd as dockerd-rootless.sh starts it: rootlesskit (pid base) → its child
 * /proc/self/exe ("exe", base+1) → dockerd (base+2), all of the user's uid.
 */
export function rootlessTree(base: number, o: { uid: number; home: string; environ?: Record<string, string>; argv?: string[]; cgroup?: string; parent?: number }): Record<string, string> {
  const runtimeDir = `/run/user/${o.uid}`;
  const environ = { HOME: o.home, XDG_RUNTIME_DIR: runtimeDir, ROOTLESSKIT_STATE_DIR: `${runtimeDir}/dockerd-rootless`, _DOCKERD_ROOTLESS_CHILD: '1', ...o.environ };
  return {
    ...proc(base, { comm: 'rootlesskit', argv: ['rootlesskit', '--net=host', '--port-driver=none', '/usr/share/docker.io/contrib/dockerd-rootless.sh'], uid: o.uid, ppid: o.parent ?? 1, ...(o.cgroup ? { cgroup: o.cgroup } : {}) }),
    ...proc(base + 1, { comm: 'exe', argv: ['/proc/self/exe', '--net=host'], uid: o.uid, ppid: base }),
    ...proc(base + 2, { argv: o.argv ?? ['dockerd', '--iptables=false', '--bridge=none'], uid: o.uid, ppid: base + 1, environ, ...(o.cgroup ? { cgroup: o.cgroup } : {}) }),
  };
}
