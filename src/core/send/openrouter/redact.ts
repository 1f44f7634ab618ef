/**
 * Secrets are scrubbed from decoded text (after JSON.parse, so `\u0073k-or-…` is already `sk-or-…`)
 * and, for text that is still encoded (a raw body quoted in a message), in its JSON-escaped forms too.
 */

/** One character, literal or as a JSON `\uXXXX` escape (any hex case). */
function escapable(ch: string): string {
  const hex = ch.charCodeAt(0).toString(16).padStart(4, '0');
  const hexRe = [...hex].map((h) => (/[a-f]/.test(h) ? `[${h}${h.toUpperCase()}]` : h)).join('');
  const literal = ch.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  return `(?:${literal}|\\\\u${hexRe})`;
}

const HEX_DIGIT = '(?:[0-9a-fA-F]|\\\\u00(?:3[0-9]|[46][1-6]))';
/** Keys in the de-facto OpenRouter format (openrouter-api.md §11), so a key other than ours is caught too. */
const KEY_PATTERN = new RegExp(`${[...'sk-or-v1-'].map(escapable).join('')}${HEX_DIGIT}{16,}`, 'gi');

const keyPatterns = new Map<string, RegExp>();
function patternFor(key: string): RegExp {
  let re = keyPatterns.get(key);
  if (!re) {
    re = new RegExp([...key].map(escapable).join(''), 'g');
    keyPatterns.set(key, re);
  }
  return re;
}

/**
 * A short, recognisable form of a key: at most a 12-character prefix, and never more than a third of the key,
 * so a short (invalid) key is not printed whole.
 */
export function redactKey(key: string | undefined | null): string {
  if (!key) return '';
  const keep = Math.min(12, Math.floor(key.length / 3));
  return `${key.slice(0, keep)}…`;
}

/** Replaces every occurrence of the keys given (and of anything shaped like an OpenRouter key), literal or JSON-escaped. */
export function scrubSecrets(text: string, ...keys: (string | null | undefined)[]): string {
  let out = text;
  for (const key of keys) {
    // Very short "keys" would scrub ordinary words; real keys are far longer.
    if (key && key.length >= 8 && (out.includes(key) || out.includes('\\u'))) out = out.replace(patternFor(key), redactKey(key));
  }
  return out.replace(KEY_PATTERN, (found) => redactKey(found.replace(/\\u([0-9a-fA-F]{4})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)))));
}

/**
 * The same over a decoded JSON value: every string and every key, walked without recursion (a
 * 100,000-deep answer must not overflow the stack). Returns the value itself when nothing changed.
 */
export function scrubValue<T>(value: T, ...keys: (string | null | undefined)[]): T {
  const needs = (s: string) => scrubSecrets(s, ...keys) !== s;
  if (typeof value === 'string') return scrubSecrets(value, ...keys) as T;
  if (value === null || typeof value !== 'object') return value;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop() as Record<string, unknown> | unknown[];
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const v = node[i];
        if (typeof v === 'string' && needs(v)) {
          node[i] = scrubSecrets(v, ...keys);
        } else if (v !== null && typeof v === 'object') stack.push(v);
      }
      continue;
    }
    for (const k of Object.keys(node)) {
      const v = node[k];
      if (typeof v === 'string' && needs(v)) {
        node[k] = scrubSecrets(v, ...keys);
      } else if (v !== null && typeof v === 'object') stack.push(v);
      if (needs(k)) {
        Object.defineProperty(node, scrubSecrets(k, ...keys), { value: node[k], enumerable: true, writable: true, configurable: true });
        delete node[k];
      }
    }
  }
  return value;
}
