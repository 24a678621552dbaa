// Splits a command string the way virsh does: words with '...' / "..." quoting and
// backslash escapes, commands separated by ';' or newlines, '#' starts a comment.
import { CliError } from './types.js';

/** Returns one word list per command; empty commands are dropped. */
export function splitCommands(text: string): string[][] {
  const cmds: string[][] = [];
  let words: string[] = [];
  let i = 0;
  const end = () => {
    if (words.length) cmds.push(words);
    words = [];
  };
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\r') { i++; continue; }
    if (c === ';' || c === '\n') { end(); i++; continue; }
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    let word = '';
    let quote: '"' | "'" | null = null;
    while (i < text.length) {
      const ch = text[i];
      if (quote === "'") {
        if (ch === "'") quote = null;
        else word += ch;
        i++;
        continue;
      }
      if (ch === '\\' && i + 1 < text.length) { word += text[i + 1]; i += 2; continue; }
      if (quote === '"') {
        if (ch === '"') quote = null;
        else word += ch;
        i++;
        continue;
      }
      if (ch === ' ' || ch === '\t' || ch === '\r' || ch === ';' || ch === '\n') break;
      if (ch === '"' || ch === "'") { quote = ch; i++; continue; }
      word += ch;
      i++;
    }
    if (quote) throw new CliError('missing "');
    words.push(word);
  }
  end();
  return cmds;
}

/** argv after the global options: one arg is a command string; several are words, ';' alone separates. */
export function commandsFromArgv(argv: string[]): string[][] {
  if (argv.length === 1) return splitCommands(argv[0]!);
  const cmds: string[][] = [];
  let cur: string[] = [];
  for (const a of argv) {
    if (a === ';') {
      if (cur.length) cmds.push(cur);
      cur = [];
    } else cur.push(a);
  }
  if (cur.length) cmds.push(cur);
  return cmds;
}
