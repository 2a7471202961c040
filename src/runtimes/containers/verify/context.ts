import type { Files } from '../../../host/files.js';
import type { Podman } from '../podman-cli.js';
import type { ContainersSnapshot } from '../snapshot.js';

/** What the containers family's verification steps use besides the suite's shared state. */
export interface ContainersVerify {
  /** undefined when podman is not installed (CRI-O alone, or buildah/skopeo only): the steps then say so. */
  podman: Podman | undefined;
  /** The session's files, read afresh (the step compares podman's view with them). */
  snapshot(): Promise<ContainersSnapshot>;
  /** Under --root; host paths. */
  files: Files;
}

export const NO_PODMAN = 'podman is not installed here: the containers files are checked by podman-config when it is';
