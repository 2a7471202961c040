import { readFileSync, writeFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { isEmptyPlan } from '../../src/core/plan-types.js';
import { afterPlan, desired, fixture, k3sSnapshot, part, planJoin, planLeave, REGISTRIES, writeOf } from './helpers/k3s-fixtures.js';

// Golden files: each registries.yaml of test/fixtures/k3s (shaped like k3s's docs and issues) merged
// with one join, compared byte for byte with its *.joined.yaml. Then the properties every merge
// must have: the comments survive, a second plan is empty, leave gives the original bytes back.

const JOIN = desired({ mirrorFor: [{ upstream: 'ghcr.io', url: 'https://nexus.example.com:8444' }] });
const CASES = ['docs-mirror', 'docs-rewrite', 'docs-tls-auth', 'docs-wildcard', 'issue-13379-http', 'issue-9839-own-mirror'];

const goldenUrl = (name: string) => new URL(`../fixtures/k3s/${name}.joined.yaml`, import.meta.url);
const comments = (text: string) => text.split('\n').flatMap((line) => (/#\s*(.*)$/.exec(line)?.[1] ? [/#\s*(.*)$/.exec(line)![1]!.trim()] : []));

describe.each(CASES)('%s', (name) => {
  const original = fixture(`${name}.yaml`);
  const before = k3sSnapshot({ registriesText: original, registriesStat: { mode: 0o600, uid: 0, gid: 0 } });
  const plan = planJoin(before, JOIN);
  const merged = writeOf(plan, REGISTRIES)!.after;

  it('merges as its golden file says', () => {
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(goldenUrl(name), merged);
    expect(merged).toBe(readFileSync(goldenUrl(name), 'utf8'));
  });

  it('keeps every comment and every entry that was there', () => {
    expect(comments(merged)).toEqual(expect.arrayContaining(comments(original)));
    const was = parseDocument(original).toJS() as Record<string, Record<string, unknown>>;
    const now = parseDocument(merged).toJS() as Record<string, Record<string, unknown>>;
    for (const section of ['mirrors', 'configs'] as const) for (const key of Object.keys(was[section] ?? {})) expect(now[section]).toHaveProperty([key]);
  });

  it('plans nothing the second time', () => {
    expect(isEmptyPlan(planJoin(afterPlan(before, plan), JOIN))).toBe(true);
  });

  it('gives the original bytes back on leave', () => {
    const joined = afterPlan(before, plan);
    const left = planLeave(joined, 'nexus.example.com');
    expect(afterPlan(joined, left).registriesText).toBe(original);
    expect(part(left).activation).toBe('restart');
  });

  it('on leave after an edit by hand, removes only its own entries', () => {
    const joined = afterPlan(before, plan);
    const edited = { ...joined, registriesText: `${joined.registriesText!}# added by hand\n` };
    const after = afterPlan(edited, planLeave(edited, 'nexus.example.com')).registriesText!;
    expect(after).toContain('# added by hand');
    expect(parseDocument(after).toJS()).toEqual(parseDocument(original).toJS());
  });
});
