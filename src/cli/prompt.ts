/**
 * A yes/no question on stderr (stdout may carry --json). @inquirer/prompts is loaded only when
 * a question is really asked: non-interactive runs (bootstrap scripts) never pay for it.
 */
export async function askYesNo(message: string, defaultAnswer = false): Promise<boolean> {
  const { confirm } = await import('@inquirer/prompts');
  return confirm({ message, default: defaultAnswer }, { output: process.stderr });
}
