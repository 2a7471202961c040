// Tests must not pick up the developer's own settings. REGSETUP_E2E_* choose how the e2e
// suites run (e.g. REGSETUP_E2E_BIN=sea); they are the test runner's, not regsetup's.
for (const name of Object.keys(process.env)) {
  if (name.startsWith('REGSETUP_') && !name.startsWith('REGSETUP_E2E_')) delete process.env[name];
}
