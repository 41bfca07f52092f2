/**
 * The one way panels write a token: a space as ␣ (U+2423, "open box") so it never vanishes,
 * and a character n-gram as its characters side by side ("the", "e␣"), never "t h e".
 */
export const SPACE_MARK = '␣';

export function showToken(token: string): string {
  return token.replace(/ /g, SPACE_MARK);
}

/**
 * An n-gram as src/core/text/stats.ts keys it (tokens joined by one space). Character tokens
 * are one character each, so they sit at every other position; word tokens never hold a space.
 */
export function showGram(gram: string, token: 'char' | 'word' | 'bpe', n: number): string {
  if (n === 1) return showToken(gram);
  if (token === 'char') return showToken([...gram].filter((_, i) => i % 2 === 0).join(''));
  return gram.split(' ').map(showToken).join(' ');
}
