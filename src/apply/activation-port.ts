import type { RuntimeSession } from '../runtimes/types.js';

/** What apply (and its rollback) needs of each runtime session in the plan. */
export type ActivationPort = Pick<RuntimeSession, 'activate' | 'confirm' | 'label'>;
