// Process signals, as a port: the agent re-reads its file on SIGHUP and stops on SIGTERM/SIGINT.

export function onSignals(handlers: Partial<Record<'SIGHUP' | 'SIGTERM' | 'SIGINT', () => void>>): () => void {
  const entries = Object.entries(handlers) as Array<[NodeJS.Signals, () => void]>;
  for (const [signal, fn] of entries) process.on(signal, fn);
  return () => {
    for (const [signal, fn] of entries) process.off(signal, fn);
  };
}
