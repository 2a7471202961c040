import { execa } from 'execa';
import { sleep } from './lab.js';

/** A real terminal for the prompts: what a tmux session's pane shows, joined lines, its scrollback too. */
export const pane = async (session: string): Promise<string> => (await execa('tmux', ['capture-pane', '-p', '-J', '-S', '-300', '-t', session])).stdout;

/** Waits until the pane shows `re`, and returns what it shows then. */
export async function waitForPane(session: string, re: RegExp, ms = 60_000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const text = await pane(session);
    if (re.test(text)) return text;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${re} in:\n${text}`);
    await sleep(200);
  }
}
