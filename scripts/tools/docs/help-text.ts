/**
 * Reading a help text: the command names its "Commands:" list gives.
 *
 * Layer: script support (docs).
 */

/** The names of a help text's "Commands:" list (two-space indent, name, summary). */
export function commandNames(text: string): string[] {
  const start = text.indexOf("\nCommands:\n");
  if (start < 0) return [];
  const names: string[] = [];
  for (const line of text.slice(start + "\nCommands:\n".length).split("\n")) {
    const match = /^ {2}([a-z][a-z0-9-]*)\s{2,}\S/.exec(line);
    if (!match?.[1]) break;
    names.push(match[1]);
  }
  return names;
}
