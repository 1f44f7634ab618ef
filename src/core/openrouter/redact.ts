/** Keys in the de-facto OpenRouter format (openrouter-api.md §11), so a key other than ours is caught too. */
const KEY_PATTERN = /sk-or-v1-[0-9a-f]{16,}/gi;

/**
 * A short, recognisable form of a key: at most a 12-character prefix, and never more than a third of the key,
 * so a short (invalid) key is not printed whole.
 */
export function redactKey(key: string | undefined | null): string {
  if (!key) return '';
  const keep = Math.min(12, Math.floor(key.length / 3));
  return `${key.slice(0, keep)}…`;
}

/** Replaces every occurrence of `key` (and of anything shaped like an OpenRouter key) in `text`. */
export function scrubSecrets(text: string, key?: string | null): string {
  let out = text;
  // Very short "keys" would scrub ordinary words; real keys are far longer.
  if (key && key.length >= 8 && out.includes(key)) out = out.split(key).join(redactKey(key));
  return out.replace(KEY_PATTERN, (found) => redactKey(found));
}
