/**
 * A reader that goes away (`regsetup --help | head -1`, `status | less` quit early) makes the
 * next write fail with EPIPE, which Node reports as an 'error' event: unhandled, that is a stack
 * trace and exit 1. A closed reader is not a failure: the stream goes quiet, the command runs to
 * its end (a join is never cut off between writing a file and confirming it) and exits with its
 * own code.
 */
export interface QuietStream {
  write(chunk: string): boolean;
  readonly closed: boolean;
}

export function quietOnClose(stream: NodeJS.WritableStream & { destroyed?: boolean }): QuietStream {
  let closed = false;
  // Any write error means nobody reads any more (EPIPE, ECONNRESET, EIO of a hung-up terminal).
  stream.on('error', () => {
    closed = true;
  });
  return {
    write: (chunk) => {
      if (closed || stream.destroyed) return false;
      return stream.write(chunk);
    },
    get closed() {
      return closed || stream.destroyed === true;
    },
  };
}
