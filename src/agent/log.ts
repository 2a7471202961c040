import { pino } from 'pino';
import { redact } from '../core/redact.js';

// The agent's log: one JSON object a line on stdout (pino), which journald keeps as it is; a short
// human line on a terminal. Every line goes through redact(): no secret reaches the journal.

export type Level = 'debug' | 'info' | 'warn' | 'error';

export interface AgentLog {
  log(level: Level, msg: string, fields?: Record<string, unknown>): void;
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** `12:00:01 WARN drift repaired registry=nexus…` from pino's JSON line. */
export function humanLine(json: string): string {
  const { level, time, msg, pid: _pid, hostname: _host, ...rest } = JSON.parse(json) as Record<string, unknown>; // eslint-disable-line @typescript-eslint/no-unused-vars
  const fields = Object.entries(rest).map(([k, v]) => {
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    return text.includes('\n') ? `\n  ${k}:\n    ${text.replace(/\n/g, '\n    ')}` : ` ${k}=${text}`;
  });
  const at = new Date(Number(time)).toISOString().slice(11, 19);
  return `${at} ${LEVELS[Number(level)] ?? level} ${String(msg)}${fields.join('')}\n`;
}

export function createLog(out: { write(s: string): unknown }, options: { human: boolean; debug?: boolean }): AgentLog {
  const destination = {
    write: (line: string) => void out.write(redact(options.human ? humanLine(line) : line)),
  };
  const logger = pino({ level: options.debug ? 'debug' : 'info', base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.epochTime }, destination);
  return { log: (level, msg, fields) => logger[level](fields ?? {}, msg) };
}

/** A log that keeps its entries, for tests and `--once` summaries. */
export function memoryLog(): AgentLog & { entries: Array<{ level: Level; msg: string; fields: Record<string, unknown> }> } {
  const entries: Array<{ level: Level; msg: string; fields: Record<string, unknown> }> = [];
  return { entries, log: (level, msg, fields = {}) => void entries.push({ level, msg, fields }) };
}
