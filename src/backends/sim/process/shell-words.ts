/** Characters a POSIX shell would interpret outside quotes (pipes, lists, redirections, subshells, expansions). */
const OPERATORS = new Set(['|', '&', ';', '<', '>', '(', ')', '$', '`', '\n']);
/** A variable assignment before the command (`LANG=C sort`), which sets the command's environment. */
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/**
 * A shell command line split into words as `/bin/sh` splits a simple
 * command: on unquoted blanks, with `'...'` (literal), `"..."` (where `\`
 * escapes `"`, `\`, `` ` `` and `$`) and `\` outside quotes (escapes the next
 * character). Returns null when the line needs more of a shell than that (an
 * unquoted `|`, `&`, `;`, `<`, `>`, `(`, `)`, `$`, backquote or newline, a
 * leading `NAME=value` assignment, or an unterminated quote), which the
 * simulation cannot run. A `#` starting a word starts a comment. No globbing
 * or tilde expansion: `*` and `~` stay literal.
 */
export function shellWords(line: string): string[] | null {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === ' ' || c === '\t') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    // A backslash-newline joins lines.
    if (c === '\\' && line[i + 1] === '\n') {
      i++;
      continue;
    }
    if (OPERATORS.has(c)) return null;
    if (c === '#' && !inWord) break;
    inWord = true;
    if (c === '\\') {
      word += i + 1 < line.length ? line[++i] : c;
    } else if (c === "'") {
      const close = line.indexOf("'", i + 1);
      if (close < 0) return null;
      word += line.slice(i + 1, close);
      i = close;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        const d = line[j]!;
        if (d === '$' || d === '`') return null;
        if (d === '\\' && j + 1 < line.length && '"\\`$\n'.includes(line[j + 1]!)) {
          if (line[++j] !== '\n') word += line[j];
        } else {
          word += d;
        }
      }
      if (j >= line.length) return null;
      i = j;
    } else {
      word += c;
    }
  }
  if (inWord) words.push(word);
  if (words.length > 0 && ASSIGNMENT.test(words[0]!)) return null;
  return words;
}
