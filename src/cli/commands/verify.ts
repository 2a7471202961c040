import { RegsetupError } from '../../core/errors.js';
import type { Runner } from '../program.js';

export const run: Runner = async () => {
  throw new RegsetupError('ERR_NOT_AVAILABLE', '`regsetup verify` is not available yet in this version');
};
