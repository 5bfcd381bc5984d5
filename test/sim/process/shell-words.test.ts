import { describe, expect, it } from 'vitest';
import { shellWords } from '../../../src/backends/sim/process/shell-words.js';

describe('shellWords', () => {
  it('splits on unquoted blanks', () => {
    expect(shellWords('  ls   -l\t/tmp ')).toEqual(['ls', '-l', '/tmp']);
    expect(shellWords('')).toEqual([]);
  });

  it('keeps single-quoted text literal and joins adjacent quoted parts into one word', () => {
    expect(shellWords(`echo 'a  "b" \\c' x'y'"z"`)).toEqual(['echo', 'a  "b" \\c', 'xyz']);
  });

  it('unescapes only ", \\, ` and $ inside double quotes', () => {
    expect(shellWords(`echo "say \\"hi\\" \\\\ \\n"`)).toEqual(['echo', 'say "hi" \\ \\n']);
  });

  it('escapes the next character with a backslash outside quotes, and joins lines at backslash-newline', () => {
    expect(shellWords('echo a\\ b \\\' c\\\nd')).toEqual(['echo', 'a b', "'", 'cd']);
  });

  it('ignores a comment that starts a word, not a # inside one', () => {
    expect(shellWords('echo a#b # rest')).toEqual(['echo', 'a#b']);
  });

  it('keeps globs and tildes literal', () => {
    expect(shellWords('ls *.txt ~')).toEqual(['ls', '*.txt', '~']);
  });

  it('returns null for what needs a real shell: operators, expansions, assignments, open quotes', () => {
    for (const line of ['a | b', 'a && b', 'a; b', 'a > f', 'a < f', '(a)', 'echo $HOME', 'echo `id`', 'echo "$x"', 'a\nb', 'LANG=C sort', "echo 'open", 'echo "open']) {
      expect(shellWords(line), line).toBeNull();
    }
  });

  it('accepts operators inside quotes', () => {
    expect(shellWords(`grep 'a|b' "x > y"`)).toEqual(['grep', 'a|b', 'x > y']);
  });
});
