// The JSON-lines progress stream of pull, push and import. dockerode's followProgress
// treats an `{"error": …}` line as just another event, so a failed pull "succeeds"
// unless we read the lines ourselves. Pure functions: tested on recorded lines.

export interface ProgressEvent {
  status?: string;
  id?: string;
  progress?: string;
  error?: string;
  errorDetail?: { code?: number; message?: string };
  aux?: { Tag?: string; Digest?: string; Size?: number; ID?: string };
  message?: string;
}

export interface ProgressOutcome {
  /** The daemon's error text, when the operation failed mid-stream. */
  error?: string;
  /** Push: aux.Digest. Pull: the "Digest: sha256:…" status. */
  digest?: string;
  /** Import: the new image id ("sha256:…" as the last status). */
  imageId?: string;
  events: ProgressEvent[];
}

/** Split a buffer into complete JSON lines and the incomplete rest (chunks split anywhere). */
export function splitLines(buffer: string): { lines: string[]; rest: string } {
  const parts = buffer.split(/\r?\n/);
  const rest = parts.pop() ?? '';
  return { lines: parts.filter((line) => line.trim() !== ''), rest };
}

export function parseProgressLine(line: string): ProgressEvent {
  try {
    const parsed: unknown = JSON.parse(line);
    if (parsed !== null && typeof parsed === 'object') return parsed as ProgressEvent;
  } catch {
    /* fall through */
  }
  // Not JSON: a proxy's HTML error page or a truncated line. Keep the text, it is the evidence.
  return { status: line.trim() };
}

const DIGEST = /\bsha256:[0-9a-f]{64}\b/;

export function progressOutcome(events: ProgressEvent[]): ProgressOutcome {
  const outcome: ProgressOutcome = { events };
  for (const event of events) {
    // Newer daemons may send only errorDetail; older ones both, with the same text.
    const error = event.errorDetail?.message || event.error;
    if (error && outcome.error === undefined) outcome.error = error;
    if (event.aux?.Digest) outcome.digest = event.aux.Digest;
    if (event.aux?.ID) outcome.imageId = event.aux.ID;
    const status = event.status ?? '';
    if (outcome.digest === undefined && status.startsWith('Digest: ')) outcome.digest = DIGEST.exec(status)?.[0];
    if (/^sha256:[0-9a-f]{64}$/.test(status.trim())) outcome.imageId = status.trim();
  }
  return outcome;
}

/** Read a whole progress stream. */
export async function readProgress(stream: AsyncIterable<Buffer | string>): Promise<ProgressOutcome> {
  const events: ProgressEvent[] = [];
  let rest = '';
  // A chunk may end inside a multi-byte character: decode as a stream.
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    const split = splitLines(rest + (typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true })));
    rest = split.rest;
    events.push(...split.lines.map(parseProgressLine));
  }
  if (rest.trim() !== '') events.push(parseProgressLine(rest));
  return progressOutcome(events);
}
