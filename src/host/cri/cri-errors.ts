import { ExitCode, RegsetupError } from '../../core/errors.js';

// gRPC status codes (grpc/grpc doc/statuscodes.md); numbers, so mapping an error does not
// need grpc-js loaded.
const Code = { DEADLINE_EXCEEDED: 4, PERMISSION_DENIED: 7, UNIMPLEMENTED: 12, UNAVAILABLE: 14, UNAUTHENTICATED: 16 } as const;
const codeNames: Record<number, string> = {
  1: 'Canceled', 2: 'Unknown', 3: 'InvalidArgument', 4: 'DeadlineExceeded', 5: 'NotFound', 6: 'AlreadyExists',
  7: 'PermissionDenied', 8: 'ResourceExhausted', 9: 'FailedPrecondition', 10: 'Aborted', 11: 'OutOfRange',
  12: 'Unimplemented', 13: 'Internal', 14: 'Unavailable', 15: 'DataLoss', 16: 'Unauthenticated',
};

export interface CallSite {
  socket: string;
  /** e.g. "ImageService/PullImage". */
  method: string;
  timeoutMs: number;
  /** The image of a pull, for its messages. */
  image?: string;
}

interface GrpcFailure {
  code?: number;
  details?: string;
  message?: string;
}

const UNREACHABLE_HINT =
  'Is containerd running, and is its CRI plugin enabled (no disabled_plugins = ["cri"] in /etc/containerd/config.toml)? ' +
  'kubelet talks to this same socket.';
const UNIMPLEMENTED_HINT =
  "containerd answers but does not serve CRI runtime.v1: its CRI plugin is disabled (disabled_plugins = [\"cri\"]), failed to load " +
  "(`journalctl -u containerd | grep 'failed to load plugin'`, e.g. \"mirrors cannot be set when config_path is provided\"), " +
  'or containerd is older than 1.6 (1.5 speaks only v1alpha2). kubelet cannot use this runtime either.';

function pullHint(details: string): string {
  if (/\b401\b|unauthori[sz]ed|authorization failed|authentication required|denied/i.test(details)) {
    return 'The registry refused the pull: check the credentials passed with it (kubelet passes them per pull; containerd keeps none for CRI).';
  }
  if (/x509|certificate|tls:/i.test(details)) {
    return "containerd does not trust the registry's certificate: the CA belongs in certs.d/<host[:port]>/hosts.toml (ca = …) under config_path.";
  }
  if (/not ?found|manifest unknown/i.test(details)) return 'Check the image name and tag: the registry (or its mirror) does not have it.';
  return 'containerd\'s own message is above; `journalctl -u containerd` has the resolver\'s details.';
}

/** A failed CRI call as a RegsetupError with its own code and what to do. Never includes the request. */
export function criError(error: unknown, at: CallSite): RegsetupError {
  const failure = (error ?? {}) as GrpcFailure;
  const code = typeof failure.code === 'number' ? failure.code : undefined;
  const details = failure.details || failure.message || String(error);
  const where = `${at.method} on ${at.socket}`;
  if (code === Code.UNAVAILABLE) {
    if (/EACCES|permission denied/i.test(details)) {
      return new RegsetupError('ERR_CRI_PERMISSION', `may not connect to containerd's CRI socket ${at.socket}: ${details}`, {
        hint: 'The socket is root\'s (mode 0660): run regsetup as root, as kubelet runs.',
        exitCode: ExitCode.preflightRefused,
      });
    }
    const why = /ENOENT/.test(details) ? 'the socket does not exist' : /ECONNREFUSED/.test(details) ? 'nothing listens on the socket' : details;
    return new RegsetupError('ERR_CRI_UNREACHABLE', `cannot reach containerd's CRI at ${at.socket}: ${why}`, { hint: UNREACHABLE_HINT, exitCode: ExitCode.preflightRefused });
  }
  if (code === Code.UNIMPLEMENTED) {
    return new RegsetupError('ERR_CRI_UNIMPLEMENTED', `containerd at ${at.socket} does not serve runtime.v1.${at.method}: ${details}`, { hint: UNIMPLEMENTED_HINT, exitCode: ExitCode.preflightRefused });
  }
  if (at.image !== undefined) {
    if (code === Code.DEADLINE_EXCEEDED) {
      return new RegsetupError('ERR_CRI_PULL_TIMEOUT', `containerd did not finish pulling ${at.image} within ${at.timeoutMs} ms`, {
        hint: 'A slow or unreachable registry or mirror: `journalctl -u containerd` shows which host it was waiting for.',
        exitCode: ExitCode.verifyFailed,
      });
    }
    return new RegsetupError('ERR_CRI_PULL_FAILED', `containerd could not pull ${at.image}: ${details}`, { hint: pullHint(details), exitCode: ExitCode.verifyFailed });
  }
  if (code === Code.DEADLINE_EXCEEDED) {
    return new RegsetupError('ERR_CRI_TIMEOUT', `${where} did not answer within ${at.timeoutMs} ms`, {
      hint: 'containerd is busy or hung: `systemctl status containerd` and `journalctl -u containerd`.',
      exitCode: ExitCode.preflightRefused,
    });
  }
  const name = code === undefined ? 'error' : (codeNames[code] ?? `code ${code}`);
  const hint = code === Code.PERMISSION_DENIED || code === Code.UNAUTHENTICATED ? 'containerd refused the call: run regsetup as root.' : undefined;
  return new RegsetupError('ERR_CRI_FAILED', `${where} failed: ${name}: ${details}`, { ...(hint ? { hint } : {}), exitCode: ExitCode.unexpected });
}
