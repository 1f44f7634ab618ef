/**
 * Responses name the model that answered by its canonical, usually dated slug: 'anthropic/claude-sonnet-4.6' comes
 * back as 'anthropic/claude-4.6-sonnet-20260217', 'openai/gpt-4.1-mini' as 'openai/gpt-4.1-mini-2025-04-14'
 * (openrouter-api.md §2.1). History and the by-model bill match them to what the user asked for.
 */

/** Vendor, and the name's words without date stamps or a ':variant', in a fixed order. */
function key(id: string): string {
  const lower = id.trim().toLowerCase().replace(/^~/, '').replace(/:[^/]*$/, '');
  const slash = lower.lastIndexOf('/');
  const vendor = slash >= 0 ? lower.slice(0, slash) : '';
  const name = (slash >= 0 ? lower.slice(slash + 1) : lower)
    .replace(/-(\d{4})-(\d{2})-(\d{2})$/, '') // -2025-04-14
    .replace(/-(20\d{6})$/, ''); // -20260217
  const words = name.split('-').filter(Boolean).sort();
  return `${vendor}/${words.join('-')}`;
}

/** Whether `answered` is `requested` (or one of its dated snapshots, written in either word order). */
export function sameModel(requested: string, answered: string): boolean {
  if (requested === answered) return true;
  return key(requested) === key(answered);
}
