// `bash scripts/try` runs this before it joins: when an e2e run was killed before its teardown
// (the machine stopped mid-run), the host still carries what that run's tests wrote, and a join
// on top would build on it. The killed run's own backup puts the host back first; then the backup
// is gone and the next e2e run saves afresh. Nothing to do (exit 0, silent) without a backup.
import { BACKUP_DIR, loadSaved, restore } from './global-setup.js';

const saved = await loadSaved();
if (saved) {
  process.stderr.write(`[e2e host] an earlier e2e run was killed before its teardown: restoring the host from ${BACKUP_DIR}\n`);
  await restore(saved);
}
