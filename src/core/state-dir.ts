import { DEFAULT_STATE_DIR } from './journal.js';

// Where regsetup keeps its journal, backups and lock. Root's runs manage the system's daemons and
// keep them in /var/lib/regsetup; a user who configures their own rootless dockerd cannot write
// there, and their daemon is theirs alone: their runs keep their own state, as XDG says
// ($XDG_STATE_HOME, default ~/.local/state). One journal per daemon owner, so a rootful and a
// rootless join of the same registry never share (or fight over) a record.

/** A non-root user's state directory: $XDG_STATE_HOME/regsetup, else ~/.local/state/regsetup. */
export function userStateDir(env: NodeJS.ProcessEnv, home: string): string {
  const base = env.XDG_STATE_HOME?.startsWith('/') ? env.XDG_STATE_HOME : `${home.replace(/\/+$/, '')}/.local/state`;
  return `${base.replace(/\/+$/, '')}/regsetup`;
}

/** The state directory of a run: root's, or the user's when the run configures their own rootless dockerd. */
export const stateDirFor = (o: { uid: number; ownRootless: boolean; env: NodeJS.ProcessEnv; home: string }): string =>
  o.uid !== 0 && o.ownRootless ? userStateDir(o.env, o.home) : DEFAULT_STATE_DIR;
