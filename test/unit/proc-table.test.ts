import { memfs } from 'memfs';
import { describe, expect, it } from 'vitest';
import { nodeFiles, type Files } from '../../src/host/files.js';
import { findProcesses, processComms, withProcessTable } from '../../src/host/proc.js';
import { proc } from '../fakes/fake-proc.js';

// A Files port that counts the reads of /proc/<pid>/comm.
function counting(tree: Record<string, string>) {
  const { fs } = memfs(tree);
  const files = nodeFiles(fs);
  let comms = 0;
  const readText: Files['readText'] = (path, opts) => {
    if (/^\/proc\/\d+\/comm$/.test(path)) comms++;
    return files.readText(path, opts);
  };
  return { fs, files: { ...files, readText } as Files, comms: () => comms };
}

const TREE = {
  ...proc(10, { comm: 'containerd', argv: ['/usr/bin/containerd'] }),
  ...proc(20, { argv: ['/usr/sbin/dockerd', '-H', 'fd://'] }),
  ...proc(30, { comm: 'sleep', argv: ['/bin/sleep', '100'] }),
};

describe('the process table: one read of every comm per detection round', () => {
  it('inside a round, every scanner shares one read of /proc/<pid>/comm', async () => {
    const { files, comms } = counting(TREE);
    const [a, b] = await withProcessTable(() => Promise.all([findProcesses(files, '/', ['containerd']), findProcesses(files, '/', ['dockerd'])]));
    expect(a.map((p) => p.pid)).toEqual([10]);
    expect(b.map((p) => p.pid)).toEqual([20]);
    expect(comms()).toBe(3);
  });

  it('outside a round, every call reads afresh (a daemon restarted meanwhile is seen)', async () => {
    const { fs, files, comms } = counting(TREE);
    expect((await processComms(files, '/proc')).map((p) => p.comm)).toEqual(['containerd', 'dockerd', 'sleep']);
    fs.writeFileSync('/proc/30/comm', 'dockerd\n');
    expect((await processComms(files, '/proc')).map((p) => p.comm)).toEqual(['containerd', 'dockerd', 'dockerd']);
    expect(comms()).toBe(6);
  });

  it('a process that vanishes between readdir and its comm is skipped', async () => {
    const { files } = counting({ ...TREE, '/proc/40/status': 'Name:\tgone\n' });
    expect((await processComms(files, '/proc')).map((p) => p.pid)).toEqual([10, 20, 30]);
  });
});
