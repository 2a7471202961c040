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
  ])('%j is refused naming the flag and its form', async (argv, message) => {
    const r = await cli([...argv, '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'ERR_BAD_FLAG', message });
    expect(r.stderr).not.toMatch(/expected number|Invalid input|received string/);
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
