// What the credentials check needs to know about the user's Docker config and its helpers.
// src/credentials/inspect.ts (`regsetup creds doctor`) fills it; a fake in tests.

export interface HelperState {
  /** The suffix: "pass" for docker-credential-pass. */
  name: string;
  /** "credsStore" (every registry) or the credHelpers host[:port] entries it serves. */
  serves: string[];
  /** Path on PATH; undefined when the binary is missing. */
  path?: string;
  /** `list` answered; undefined when not tried (missing). */
  working?: boolean;
  /** What the helper printed when it failed. */
  error?: string;
}

export interface CredentialsReport {
  /** config.json of DOCKER_CONFIG or ~/.docker. */
  configPath: string;
  /** Set when config.json cannot be read as JSON. */
  configError?: string;
  /** `auths` entries with an inline base64 user:password. */
  plaintext: Array<{ key: string; host: string; username: string }>;
  helpers: HelperState[];
  pass: {
    installed: boolean;
    initialised: boolean;
    /** docker-credential-pass is on PATH. */
    helperInstalled: boolean;
    /** The docker CLI would store logins with pass (configured, or picked as the Linux default). */
    usedByDocker: boolean;
    storeDir: string;
  };
}
