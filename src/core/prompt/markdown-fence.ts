/**
 * Markdown code fences around model answers, found with index arithmetic rather than regular
 * expressions: patterns like /^\s*```\s*([\s\S]*?)\s*```\s*$/ backtrack cubically on a long answer
 * (a 1 MB one took minutes), and these run on every answer and every report.
 */

const FENCE = '```';

/** Skips an info string (`json`) and spaces after an opening fence, then one line break. */
function afterOpening(text: string, pos: number): number {
  let i = pos;
  while (i < text.length && /[A-Za-z]/.test(text[i]!)) i++;
  while (i < text.length && text[i] !== '\n' && /\s/.test(text[i]!)) i++;
  if (text[i] === '\n') i++;
  return i;
}

/** The inside of a fence that wraps the whole text (surrounding whitespace allowed), trimmed; else undefined. */
export function wholeFence(text: string): string | undefined {
  const t = text.trim();
  if (t.length < 2 * FENCE.length || !t.startsWith(FENCE) || !t.endsWith(FENCE)) return undefined;
  const start = afterOpening(t, FENCE.length);
  const end = t.length - FENCE.length;
  return start <= end ? t.slice(start, end).trim() : '';
}

/** The inside of the first complete fenced block anywhere in the text, untrimmed; else undefined. */
export function firstFence(text: string): string | undefined {
  const open = text.indexOf(FENCE);
  if (open < 0) return undefined;
  const start = afterOpening(text, open + FENCE.length);
  const close = text.indexOf(FENCE, start);
  return close < 0 ? undefined : text.slice(start, close);
}

/** The text without an opening fence at its start and a closing fence at its end (either may be missing). */
export function stripFences(text: string): string {
  let t = text;
  const lead = t.length - t.trimStart().length;
  if (t.startsWith(FENCE, lead)) t = t.slice(afterOpening(t, lead + FENCE.length));
  const trimmed = t.trimEnd();
  if (trimmed.endsWith(FENCE)) {
    t = trimmed.slice(0, -FENCE.length);
    if (t.endsWith('\n')) t = t.slice(0, -1);
  }
  return t;
}
