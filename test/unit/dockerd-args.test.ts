import { describe, expect, it } from 'vitest';
import { parseDockerdArgs, parseEnvFile, shellWords } from '../../src/host/dockerd-args.js';

describe('parseDockerdArgs', () => {
  it.each([
    { args: ['--insecure-registry', 'reg:5000'], want: [{ flag: '--insecure-registry', key: 'insecure-registries', value: 'reg:5000' }] },
    { args: ['--registry-mirror=https://m.example.com'], want: [{ flag: '--registry-mirror', key: 'registry-mirrors', value: 'https://m.example.com' }] },
    { args: ['-H', 'fd://'], want: [{ flag: '-H', key: 'hosts', value: 'fd://' }] },
    { args: ['-Hfd://'], want: [{ flag: '-H', key: 'hosts', value: 'fd://' }] },
    { args: ['-H=unix:///run/d.sock'], want: [{ flag: '-H', key: 'hosts', value: 'unix:///run/d.sock' }] },
    { args: ['--host=tcp://0.0.0.0:2375'], want: [{ flag: '--host', key: 'hosts', value: 'tcp://0.0.0.0:2375' }] },
    { args: ['-D', '--live-restore'], want: [{ flag: '-D', key: 'debug' }, { flag: '--live-restore', key: 'live-restore' }] },
    { args: ['--debug=false'], want: [{ flag: '--debug', key: 'debug', value: 'false' }] },
    { args: ['-DH', 'fd://'], want: [{ flag: '-D', key: 'debug' }, { flag: '-H', key: 'hosts', value: 'fd://' }] },
    { args: ['--config-file', '/etc/d.json'], want: [{ flag: '--config-file', value: '/etc/d.json' }] },
    { args: ['-G', 'docker', '-l', 'warn', '-s', 'overlay2'], want: [
      { flag: '-G', key: 'group', value: 'docker' },
      { flag: '-l', key: 'log-level', value: 'warn' },
      { flag: '-s', key: 'storage-driver', value: 'overlay2' },
    ] },
    { args: ['--data-root=/d', '--exec-root', '/e', '--pidfile', '/p'], want: [
      { flag: '--data-root', key: 'data-root', value: '/d' },
      { flag: '--exec-root', key: 'exec-root', value: '/e' },
      { flag: '--pidfile', key: 'pidfile', value: '/p' },
    ] },
    { args: ['--tlsverify', '--tlscacert=/ca.pem'], want: [{ flag: '--tlsverify', key: 'tlsverify' }, { flag: '--tlscacert', key: 'tlscacert', value: '/ca.pem' }] },
    { args: ['--label', 'env=prod', '--dns', '1.1.1.1'], want: [{ flag: '--label', key: 'labels', value: 'env=prod' }, { flag: '--dns', key: 'dns', value: '1.1.1.1' }] },
    { args: ['--containerd', '/run/containerd/containerd.sock', '--'], want: [{ flag: '--containerd', key: 'containerd', value: '/run/containerd/containerd.sock' }] },
  ])('$args', ({ args, want }) => {
    expect(parseDockerdArgs(args)).toEqual(want);
  });
});

describe('shellWords', () => {
  it.each([
    { text: '/usr/bin/dockerd -H fd:// $DOCKER_OPTS', want: ['/usr/bin/dockerd', '-H', 'fd://', '$DOCKER_OPTS'] },
    { text: `--label "env=prod ci" --label 'a b'`, want: ['--label', 'env=prod ci', '--label', 'a b'] },
    { text: String.raw`--x=a\ b "q\"uote"`, want: ['--x=a b', 'q"uote'] },
    { text: '  ', want: [] },
    { text: '""', want: [''] },
  ])('$text', ({ text, want }) => {
    expect(shellWords(text)).toEqual(want);
  });
});

describe('parseEnvFile', () => {
  it('reads the shell assignments, last one wins', () => {
    const text = [
      '# Docker Upstart and SysVinit configuration file',
      '#DOCKER_OPTS="--dns 8.8.8.8"',
      'DOCKER_OPTS="--dns 1.1.1.1"',
      `export DOCKER_OPTS='--insecure-registry reg:5000 -s overlay2' # the one that counts`,
      'export http_proxy=http://proxy:3128/',
    ].join('\n');
    expect(parseEnvFile(text)).toEqual({ DOCKER_OPTS: '--insecure-registry reg:5000 -s overlay2', http_proxy: 'http://proxy:3128/' });
  });
});
