/**
 * Line preprocessing. `textbook` is d2l 8.2's `re.sub('[^A-Za-z]+', ' ', line).strip().lower()`;
 * `raw` keeps the line as it is (code, French, anything the textbook rule would erase).
 * Both return a map from every output character back to its source span, so tokens can be
 * highlighted in the original text.
 */
export type PreprocessMode = 'textbook' | 'raw';

export interface MappedText {
  text: string;
  /** Source start offset (UTF-16) of output character i. */
  start: Int32Array;
  /** Source end offset (exclusive) of output character i. */
  end: Int32Array;
}

const isAsciiLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

export function preprocessLine(line: string, mode: PreprocessMode = 'textbook'): string {
  return preprocessMapped(line, mode).text;
}

export function preprocessMapped(line: string, mode: PreprocessMode = 'textbook', base = 0): MappedText {
  if (mode === 'raw') {
    const start = new Int32Array(line.length);
    const end = new Int32Array(line.length);
    for (let i = 0; i < line.length; i++) {
      start[i] = base + i;
      end[i] = base + i + 1;
    }
    return { text: line, start, end };
  }
  const out: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  let i = 0;
  while (i < line.length) {
    if (isAsciiLetter(line.charCodeAt(i))) {
      out.push(line[i].toLowerCase());
      starts.push(base + i);
      ends.push(base + i + 1);
      i++;
    } else {
      let j = i;
      while (j < line.length && !isAsciiLetter(line.charCodeAt(j))) j++;
      // A run of non-letters at either end is stripped; inside, it becomes one space.
      if (out.length > 0 && j < line.length) {
        out.push(' ');
        starts.push(base + i);
        ends.push(base + j);
      }
      i = j;
    }
  }
  return { text: out.join(''), start: Int32Array.from(starts), end: Int32Array.from(ends) };
}

/** Splits a document into lines the way Python's readlines + per-line processing sees them. */
export function splitLines(text: string): { line: string; offset: number }[] {
  const lines: { line: string; offset: number }[] = [];
  const re = /\r\n|\n|\r/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    lines.push({ line: text.slice(last, m.index), offset: last });
    last = m.index + m[0].length;
  }
  if (last < text.length) lines.push({ line: text.slice(last), offset: last });
  return lines;
}
