import { ExitCode, RegsetupError } from '../../core/errors.js';
import { during, type Progress } from '../../core/progress.js';
import { inspectCredentials, type CredentialsInspection } from '../../credentials/inspect.js';
import { migrateCredentials, type MigrationItem } from '../../credentials/migrate.js';
import type { CommandContext } from '../context.js';
import type { Runner } from '../context.js';
import { emit } from '../documents/documents.js';
import { credentialCommandPorts } from './credential-ports.js';
import { askYesNo } from '../prompt.js';

interface CredsFlags {
  dryRun?: boolean;
  dockerConfig?: string;
}

const itemLine = (i: MigrationItem) =>
  i.action === 'move' ? `  move  ${i.registry} (${i.username}) → docker-credential-regsetup` : `  keep  ${i.authKey}: ${i.reason}`;

async function runMigrate(ctx: CommandContext, flags: CredsFlags): Promise<ExitCode> {
  const ports = credentialCommandPorts(ctx, flags.dockerConfig);
  // The helper's calls (a store, a read back per registry) run after the question: no spinner while it is asked.
  let moving: Progress | undefined;
  const ask = async (items: MigrationItem[]) => {
    const yes = await askFor(items);
    if (yes) moving = ctx.out.progress(`moving ${items.filter((i) => i.action === 'move').length} credential(s) into the regsetup helper`);
    return yes;
  };
  const askFor = async (items: MigrationItem[]) => {
    if (ctx.global.yes) return true;
    if (!ctx.interactive) {
      throw new RegsetupError('ERR_CONFIRMATION_REQUIRED', 'creds migrate needs a confirmation and there is no terminal to ask on', {
        hint: 'Add --yes to move them, or --dry-run to only list them.',
        exitCode: ExitCode.usage,
      });
    }
    items.forEach((i) => ctx.out.note(itemLine(i)));
    return askYesNo(`Move ${items.filter((i) => i.action === 'move').length} credential(s) out of plaintext?`, true);
  };
  const result = await migrateCredentials(ports, { dockerConfigDir: ports.dockerConfigDir, dryRun: flags.dryRun === true, confirm: ask }).finally(() => moving?.done());
  if (result.moved.length > 0 || result.configChanged) ctx.out.markChanged();
  const moves = result.items.filter((i) => i.action === 'move');
  if (result.items.length === 0) ctx.out.report(`no plaintext credentials in ${result.dockerConfig}`);
  else if (flags.dryRun) {
    ctx.out.report(`would move ${moves.length} credential(s) out of ${result.dockerConfig} (dry run, nothing changed):`);
    result.items.forEach((i) => ctx.out.report(itemLine(i)));
  } else if (result.cancelled) ctx.out.report('cancelled; nothing changed');
  else {
    ctx.out.report(`moved ${result.moved.length} credential(s) into docker-credential-regsetup; ${result.dockerConfig} holds no plaintext for them`);
    result.items.filter((i) => i.action === 'skip').forEach((i) => ctx.out.report(itemLine(i)));
  }
  await emit(ctx.out, 'creds migrate', { ok: true, dryRun: flags.dryRun === true, ...result });
  return ExitCode.ok;
}

function doctorLines(r: CredentialsInspection): string[] {
  const lines = [`Docker config: ${r.configPath}${r.configError ? ` (unreadable: ${r.configError})` : ''}`, 'Helpers:'];
  if (r.helpers.length === 0) lines.push('  none on PATH');
  for (const h of r.helpers) {
    const state = h.working === true ? 'works' : h.working === false ? 'BROKEN' : 'missing';
    lines.push(`  ${h.name.padEnd(14)} ${state}${h.serves.length ? `, serves ${h.serves.join(', ')}` : ''}${h.error ? ` — ${h.error}` : ''}`);
  }
  const store = r.regsetupStore;
  lines.push(`regsetup store: ${store.backend ? `backend ${store.backend}` : 'not used yet'} (${store.storeDir}, key in ${store.keyDir})${store.error ? ` — ${store.error}` : ''}`);
  if (r.pass.installed && !r.pass.initialised) lines.push(`pass: installed but not initialised (${r.pass.storeDir}/.gpg-id missing)${r.pass.usedByDocker ? ': `docker login` will fail with "pass not initialized"' : ''}`);
  lines.push('Registries:');
  if (r.registries.length === 0) lines.push('  none configured');
  for (const g of r.registries) {
    const by = g.servedBy.kind === 'plaintext' ? 'PLAINTEXT in config.json' : `docker-credential-${g.servedBy.helper} (${g.servedBy.via})`;
    lines.push(`  ${g.ok ? 'ok  ' : 'FAIL'} ${g.registry}: ${by}`);
  }
  if (r.plaintext.length > 0) lines.push(`Plaintext left: ${r.plaintext.map((p) => p.key).join(', ')} — run: regsetup creds migrate`);
  return lines;
}

async function runDoctor(ctx: CommandContext, flags: CredsFlags): Promise<ExitCode> {
  const ports = credentialCommandPorts(ctx, flags.dockerConfig);
  const report = await during((label) => ctx.out.progress(label), 'trying each credential helper (store, get, erase)', () => inspectCredentials(ports, ports.dockerConfigDir));
  const ok = report.configError === undefined && report.plaintext.length === 0 && report.registries.every((r) => r.ok);
  doctorLines(report).forEach((l) => ctx.out.report(l));
  await emit(ctx.out, 'creds doctor', { ok, ...report });
  return ok ? ExitCode.ok : ExitCode.verifyFailed;
}

/** `regsetup creds migrate` */
export const migrate: Runner = (ctx, _args, opts) => runMigrate(ctx, opts as CredsFlags);

/** `regsetup creds doctor` */
export const doctor: Runner = (ctx, _args, opts) => runDoctor(ctx, opts as CredsFlags);
