// Durations as people write them in a config file or on the command line: 200ms, 30s, 5m, 1h, 30d.

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds, or undefined when the text is not a duration. A bare number is seconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (m === null) return undefined;
  return Math.round(Number(m[1]) * UNITS[m[2] ?? 's']!);
}

/** The shortest exact form: 300000 → "5m", 1500 → "1500ms". */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) if (ms >= UNITS[unit]! && ms % UNITS[unit]! === 0) return `${ms / UNITS[unit]!}${unit}`;
  return `${ms}ms`;
}
