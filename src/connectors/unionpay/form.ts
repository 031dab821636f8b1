/**
 * The two encodings ACP uses. Requests and notifications are ordinary URL-encoded forms.
 * Synchronous answers are NOT URL-encoded: they are raw `k=v&k=v` text where a value may
 * contain '=' (base64, PEM) and where '{...}' / '[...]' groups may contain '&' (the
 * official SDKs' parseQString). Notifications are read by common/form.ts; both refuse
 * duplicate keys: which copy was signed would be ambiguous.
 */
export type FieldMap = Map<string, string>;

export function parseRawPairs(text: string): FieldMap | string {
  const out: FieldMap = new Map();
  let key: string | null = null;
  let buf = '';
  let close: string | null = null;
  const put = (): string | undefined => {
    const k = key ?? buf;
    const v = key === null ? '' : buf;
    if (k === '') return undefined;
    if (out.has(k)) return `field ${k} appears more than once`;
    out.set(k, v);
    return undefined;
  };
  for (const ch of text) {
    if (close !== null) {
      if (ch === close) close = null;
      buf += ch;
    } else if (ch === '{' || ch === '[') {
      close = ch === '{' ? '}' : ']';
      buf += ch;
    } else if (ch === '=' && key === null) {
      key = buf;
      buf = '';
    } else if (ch === '&') {
      const problem = put();
      if (problem) return problem;
      key = null;
      buf = '';
    } else {
      buf += ch;
    }
  }
  if (close !== null) return 'unbalanced { or [ in the answer';
  const problem = put();
  return problem ?? out;
}

export function encodeForm(fields: Readonly<Record<string, string>>): string {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) form.append(key, value);
  return form.toString();
}
