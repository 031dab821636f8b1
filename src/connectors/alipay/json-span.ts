/**
 * Finds where each top-level member value of a JSON object sits in the raw text. Alipay
 * signs the `<method>_response` node byte for byte as it wrote it (spacing, "\/" escapes,
 * \u sequences included), so the text to verify must be cut from the body, never rebuilt
 * with JSON.stringify.
 */

export interface Span {
  start: number;
  end: number;
}

const WS = new Set([' ', '\t', '\n', '\r']);

function skipWs(s: string, i: number): number {
  while (i < s.length && WS.has(s[i] ?? '')) i++;
  return i;
}

function endOfString(s: string, i: number): number {
  for (i += 1; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') i++;
    else if (c === '"') return i + 1;
  }
  throw new SyntaxError('unterminated string');
}

function endOfValue(s: string, i: number): number {
  const first = s[i];
  if (first === '"') return endOfString(s, i);
  if (first === '{' || first === '[') {
    let depth = 0;
    while (i < s.length) {
      const c = s[i];
      if (c === '"') {
        i = endOfString(s, i);
        continue;
      }
      if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    throw new SyntaxError('unterminated container');
  }
  while (i < s.length && !WS.has(s[i] ?? '') && s[i] !== ',' && s[i] !== '}' && s[i] !== ']') i++;
  return i;
}

/**
 * Spans of every top-level member, keyed by decoded member name; a name that appears twice
 * keeps both spans so that callers can refuse ambiguous bodies. Expects text that
 * JSON.parse already accepted as an object; throws SyntaxError otherwise.
 */
export function topLevelSpans(text: string): Map<string, Span[]> {
  const spans = new Map<string, Span[]>();
  let i = skipWs(text, 0);
  if (text[i] !== '{') throw new SyntaxError('not an object');
  i = skipWs(text, i + 1);
  if (text[i] === '}') return spans;
  for (;;) {
    if (text[i] !== '"') throw new SyntaxError('expected member name');
    const nameEnd = endOfString(text, i);
    const name = JSON.parse(text.slice(i, nameEnd)) as string;
    i = skipWs(text, nameEnd);
    if (text[i] !== ':') throw new SyntaxError('expected ":"');
    const start = skipWs(text, i + 1);
    const end = endOfValue(text, start);
    const list = spans.get(name) ?? [];
    list.push({ start, end });
    spans.set(name, list);
    i = skipWs(text, end);
    if (text[i] === ',') {
      i = skipWs(text, i + 1);
      continue;
    }
    if (text[i] === '}') return spans;
    throw new SyntaxError('expected "," or "}"');
  }
}
