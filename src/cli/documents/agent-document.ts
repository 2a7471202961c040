import * as z from 'zod';
import type { AgentStatus } from '../../agent/http-handlers.js';
import { describing, documentOf } from './envelope.js';

const findingSchema = z.object({
  severity: z.enum(['error', 'warning']),
  source: z.enum(['network', 'plan', 'loop', 'config']),
  code: z.string().describe('A stable code: ERR_… (docs/errors.md), CLOCK_SKEW, CA_EXPIRING, DRIFT, FLAPPING, …'),
  message: z.string(),
  registry: z.string().optional(),
  hint: z.string().optional(),
  since: z.string().describe('When it was first seen (ISO 8601); kept while it stays open.'),
});

const statusShape = {
  ok: z.boolean().describe('Healthy: the last convergence ran and no error finding is open.'),
  pid: z.number().int(),
  config: z.string().describe('The desired-state file.'),
  mode: z.enum(['repair', 'report']),
  intervalSeconds: z.number(),
  registries: z.array(z.string()),
  lastRun: z
    .object({
      at: z.string(),
      trigger: z.string().describe('start, interval, watch, retry, sighup, …'),
      results: z.record(z.string(), z.enum(['unchanged', 'repaired', 'reported', 'refused', 'failed', 'waiting'])).describe('Per registry.'),
      ok: z.boolean(),
    })
    .nullable(),
  findings: z.array(findingSchema),
};

/** What the agent's socket answers on /status (and `agent --once` prints). */
export const agentStatusSchema = describing<AgentStatus>()(z.object(statusShape));

export const agentDocument = documentOf('agent', statusShape).meta({
  title: 'regsetup agent --once --json',
  description: 'One convergence of every registry of the desired-state file; changed is true when it repaired something or stored credentials.',
});

export const agentStatusDocument = documentOf('agent status', statusShape).meta({
  title: 'regsetup agent status --json',
  description: 'What the running agent answers on its socket. It changes nothing.',
});

export const agentInstallDocument = documentOf('agent install', {
  ok: z.literal(true),
  path: z.string().describe('The systemd unit file.'),
  enabled: z.boolean().describe('systemd runs here and the unit is enabled and started.'),
  started: z.boolean().describe('The service was not enabled and running before this run.'),
  exec: z.array(z.string()).describe('The command line the unit runs.'),
  config: z.string(),
}).meta({ title: 'regsetup agent install --json', description: 'The unit file written (changed) or found as it is, and whether systemd started it.' });

export const agentUninstallDocument = documentOf('agent uninstall', {
  ok: z.literal(true),
  path: z.string(),
  removed: z.boolean(),
  disabled: z.boolean(),
}).meta({ title: 'regsetup agent uninstall --json', description: 'The unit file removed, and the service stopped and disabled.' });
