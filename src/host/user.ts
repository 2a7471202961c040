import { homedir } from 'node:os';

/** The running user's home: $HOME, else what the password database says. */
export const homeDir = (env: NodeJS.ProcessEnv = process.env): string => env.HOME || homedir();
