import type { DriftItem } from '../runtimes/types.js';

// Drift repairs are counted by kind in /metrics. The runtimes describe drift in words (DriftItem):
// this sorts those words into a few kinds that mean something on a dashboard.

export type DriftKind = 'entry-removed' | 'file-missing' | 'file-changed' | 'unreadable' | 'desired-change' | 'other';

export function driftKind(item: DriftItem): DriftKind {
  const what = item.what;
  if (/cannot be read|not valid|malformed/i.test(what)) return 'unreadable';
  if (/was removed from/i.test(what)) return 'entry-removed';
  if (/\bis missing\b|\bwas removed\b|\bis gone\b/i.test(what)) return 'file-missing';
  if (/\bis changed\b|\bwas changed\b|\bmodified\b/i.test(what)) return 'file-changed';
  return 'other';
}
