/**
 * A yes/no question on stderr (stdout may carry --json). @inquirer/confirm is loaded only when
 * a question is really asked: non-interactive runs (bootstrap scripts) never pay for it.
 */
export async function askYesNo(message: string, defaultAnswer = false): Promise<boolean> {
  // confirm alone, not @inquirer/prompts: that one brings the editor prompt and its iconv-lite
  // tables (some 500 KB of the single executable's bundle).
  const { default: confirm } = await import('@inquirer/confirm');
  return confirm({ message, default: defaultAnswer }, { output: process.stderr });
}

/**
 * A hidden password prompt on stderr, offered only where someone can answer (a terminal, no
 * --yes, no --json). @inquirer/password alone (~60 ms) is loaded, and only when it asks.
 */
export function passwordPrompt(interactive: boolean): ((question: string) => Promise<string>) | undefined {
  if (!interactive) return undefined;
  return async (message) => {
    const { default: password } = await import('@inquirer/password');
    // No Ctrl+T to reveal it: docker login never shows a password either.
    return password({ message, toggleMask: false }, { output: process.stderr });
  };
}
