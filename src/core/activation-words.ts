import type { Activation } from './plan-types.js';

// One vocabulary for how a runtime learns of a change, in every human line and JSON document
// (docs/architecture.md "Words"): a plan says what it will do (`activation`: none | reload |
// restart), a run says what it did (`done`: none | reloaded | restarted), a spinner what it is
// doing (reloading dockerd, waiting for dockerd to show the new settings).

export type ActivationDone = 'none' | 'reloaded' | 'restarted';

export const ACTIVATIONS: readonly Activation[] = ['none', 'reload', 'restart'];
export const ACTIVATIONS_DONE: readonly ActivationDone[] = ['none', 'reloaded', 'restarted'];

const past: Record<Activation, ActivationDone> = { none: 'none', reload: 'reloaded', restart: 'restarted' };
const running: Record<Exclude<Activation, 'none'>, string> = { reload: 'reloading', restart: 'restarting' };

/** What a run did: the plan's activation, when it was carried out. */
export const activationDone = (activation: Activation, activated: boolean): ActivationDone => (activated ? past[activation] : 'none');

/** The plan's line: "dockerd: reload (SIGHUP)", "containerd: no reload or restart". */
export function plannedLine(label: string, activation: Activation, detail?: string): string {
  const how = detail === undefined ? '' : ` (${detail})`;
  return activation === 'none' ? `${label}: no reload or restart${how}` : `${label}: ${activation}${how}`;
}

/** A run's words for a runtime it activated: "dockerd: reloaded". */
export const doneLine = (label: string, done: ActivationDone): string => `${label}: ${done === 'none' ? 'no reload or restart' : done}`;

/** A spinner's label while it happens: "reloading dockerd". */
export const runningLabel = (label: string, activation: Exclude<Activation, 'none'>): string => `${running[activation]} ${label}`;

/** A spinner's label while the runtime is asked until it shows the change (or, rolling back, the old settings). */
export const settlingLabel = (label: string, which: 'after' | 'before'): string =>
  `waiting for ${label} to show ${which === 'after' ? 'the new' : 'its previous'} settings`;
