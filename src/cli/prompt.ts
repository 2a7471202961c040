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
