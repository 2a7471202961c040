// Tests must not pick up the developer's own settings.
for (const name of Object.keys(process.env)) {
  if (name.startsWith('REGSETUP_')) delete process.env[name];
}
