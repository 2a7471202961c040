import { describe, expect, it } from 'vitest';
import { modelOf, allCommands } from '../../src/cli/command-model.js';
import { describeProgram } from '../../src/cli/program.js';
import { cli } from './helpers/run-cli.js';

const paths = allCommands(modelOf(describeProgram())).map((c) => c.path);
const help = async (path: string[]) => (await cli([...path, '--help'])).stdout;

describe('--help', () => {
  it.each(paths.map((p) => [p.join(' ') || 'regsetup', p] as const))('%s matches its snapshot', async (name, path) => {
    await expect(await help(path)).toMatchFileSnapshot(`__snapshots__/help/${name.replace(/ /g, '-')}.txt`);
  });

  it.each(paths.map((p) => [p.join(' ') || 'regsetup', p] as const))('%s fits in 100 columns and has examples and exit codes', async (_, path) => {
    const text = await help(path);
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
    expect(text).toContain('\nExamples:\n');
    expect(text).toMatch(/\nExit codes:\n {2}0 {2}.+\n {2}1 {2}/);
  });

  it.each(paths.filter((p) => p.length > 0).map((p) => [p.join(' '), p] as const))('%s lists the global options', async (_, path) => {
    const text = await help(path);
    expect(text).toContain('Global Options:');
    for (const flag of ['--json', '--yes', '--root <dir>', '--docker-host <url>']) expect(text).toContain(flag);
  });

  it.each([
    [['status'], '3  drift'],
    [['verify'], '3  a step failed'],
    [['join'], '5  dockerd did not take the change'],
    [['creds', 'doctor'], '3  a registry is served from plaintext'],
    [['completion'], '2  a shell other than bash or zsh'],
  ])('%j has its own exit codes (%s)', async (path, row) => {
    expect(await help(path)).toContain(row);
  });

  it('plan offers neither --dry-run nor --no-verify; join does', async () => {
    const plan = await help(['plan']);
    expect(plan).not.toContain('--dry-run');
    expect(plan).not.toContain('--no-verify');
    expect(await help(['join'])).toMatch(/--dry-run[\s\S]*--no-verify|--no-verify[\s\S]*--dry-run/);
  });

  it('creds lists its subcommands', async () => {
    expect(await help(['creds'])).toMatch(/Commands:\n {2}migrate .*\n {2}doctor /);
  });

  it('is laid out the same on a narrow terminal', async () => {
    const columns = process.stdout.columns;
    Object.defineProperty(process.stdout, 'columns', { value: 40, configurable: true });
    try {
      expect(await help(['join'])).toContain('--restart <policy>             how the change takes effect');
    } finally {
      Object.defineProperty(process.stdout, 'columns', { value: columns, configurable: true });
    }
  });
});

describe('flag values', () => {
  it.each([
    [['verify', 'r.example', '--max-clock-skew', 'abc'], '--max-clock-skew takes a number of seconds (0–86400), not "abc"'],
    [['join', 'r.example', '--max-clock-skew', '-5'], '--max-clock-skew takes a number of seconds (0–86400), not "-5"'],
    [['plan', 'r.example', '--max-clock-skew', '100000'], '--max-clock-skew takes a number of seconds (0–86400), not "100000"'],
    [['join', 'r.example', '--restart', 'sometimes'], '--restart takes one of auto, reload, restart, never, not "sometimes"'],
    [['plan', 'r.example', '--runtime', 'dockr'], '--runtime takes one of auto, docker, containerd, podman, crio, k3s, rke2, not "dockr"'],
    [['verify', 'r.example', '--runtime', 'docker', '--runtime', 'foo'], '--runtime takes one of auto, docker, containerd, podman, crio, k3s, rke2, not "foo"'],
    [['leave', 'r.example', '--runtime', 'foo'], '--runtime takes one of auto, docker, containerd, podman, crio, k3s, rke2, not "foo"'],
    [['verify', 'r.example', '--hub-image', 'Bad Ref'], '--hub-image takes a Docker Hub image such as library/hello-world:latest, not "Bad Ref"'],
    [['join', 'r.example', '--push-repo', 'Bad/Repo'], '--push-repo takes a repository name of lowercase path components such as regsetup/verify, not "Bad/Repo"'],
    [['agent', '--once', '--interval', '5q'], '--interval takes a duration of at least 1s such as 30s, 5m or 1h, not "5q"'],
    [['agent', '--once', '--interval', '500ms'], '--interval takes a duration of at least 1s such as 30s, 5m or 1h, not "500ms"'],
    [['agent', '--once', '--mode', 'fix'], '--mode takes one of repair, report, not "fix"'],
    [['agent', '--once', '--listen', 'nope'], '--listen takes HOST:PORT such as 127.0.0.1:9324, not "nope"'],
    [['agent', '--once', '--listen', '127.0.0.1:70000'], '--listen takes HOST:PORT such as 127.0.0.1:9324, not "127.0.0.1:70000"'],
    [['status', '--docker-host', 'ftp://x'], '--docker-host takes unix:///path/to/docker.sock or tcp://host:port, not "ftp://x"'],
  ])('%j is refused naming the flag and its form', async (argv, message) => {
    const r = await cli([...argv, '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'ERR_BAD_FLAG', message });
    expect(r.stderr).not.toMatch(/expected number|Invalid input|received string/);
  });

  it.each([
    [['plan', 'r.example', '--ca-url', 'notaurl'], '--ca-url: "notaurl" is not an http or https URL'],
    [['plan', 'r.example', '--ca-url', 'ftp://r.example/ca.crt'], '--ca-url: "ftp://r.example/ca.crt" is not an http or https URL'],
    [['plan', 'r.example', '--ca-fingerprint', 'abc'], '--ca-fingerprint: "abc" is not a SHA-256 fingerprint: expected 64 hex digits, got 3'],
    [['plan', 'r.example', '--mirror', 'ftp://m.example'], '--mirror: "ftp://m.example" is not a usable mirror URL: scheme "ftp" is not http or https'],
    [['plan', 'r.example', '--mirror-for', 'ghcr.io'], '--mirror-for: "ghcr.io" is not UPSTREAM=URL'],
    [['plan', 'r.example', '--push-registry', 'bad host'], '--push-registry: "bad host" is not a registry host[:port]: it contains spaces or control characters'],
  ])('%j is refused before the host is asked anything, naming the flag', async (argv, message) => {
    // A Docker socket that does not exist: a check made after the runtimes were asked would say ERR_DOCKER_UNREACHABLE.
    const r = await cli([...argv, '--docker-host', 'unix:///nonexistent/docker.sock', '--runtime', 'docker', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.message).toBe(message);
  });

  it('plan --dry-run is an unknown option now', async () => {
    const r = await cli(['plan', 'r.example', '--dry-run']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--dry-run'");
  });

  it.each([
    [['creds', 'fly'], "regsetup: unknown command 'fly'\nSee 'regsetup creds --help'.\n"],
    [['fly'], "regsetup: unknown command 'fly'\nSee 'regsetup --help'.\n"],
    [['creds', 'migrate', '--frob'], "regsetup: unknown option '--frob'\nSee 'regsetup creds migrate --help'.\n"],
  ])('%j points at the help of the command it is in', async (argv, stderr) => {
    expect(await cli(argv)).toMatchObject({ code: 2, stderr });
  });

  it('completion takes bash or zsh only', async () => {
    const r = await cli(['completion', 'fish']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bash, zsh');
  });
});
