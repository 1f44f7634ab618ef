/**
 * Answers are data of any shape: JSON.parse copes with any depth, but every recursive walk after it
 * (JSON.stringify, schema validation, normalising, rendering) overflows the stack on a deep one.
 * These walk without recursion.
 */

/** Deeper than any real caption, keyword list or schema answer. */
export const MAX_JSON_DEPTH = 64;

type Node = Record<string | number, unknown>;

/** True when `value` nests objects or arrays more than `max` levels deep. */
export function deeperThan(value: unknown, max: number = MAX_JSON_DEPTH): boolean {
  if (value === null || typeof value !== 'object') return false;
  const stack: [Node, number][] = [[value as Node, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > max) return true;
    for (const v of Object.values(node)) if (v !== null && typeof v === 'object') stack.push([v as Node, depth + 1]);
  }
  return false;
}

/** Replaces whatever lies deeper than `max` levels with null, in place. */
export function pruneDepth<T>(value: T, max: number = MAX_JSON_DEPTH): T {
  if (value === null || typeof value !== 'object') return value;
  const stack: [Node, number][] = [[value as Node, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    for (const k of Object.keys(node)) {
      const v = node[k];
      if (v === null || typeof v !== 'object') continue;
      if (depth >= max) node[k] = null;
      else stack.push([v as Node, depth + 1]);
    }
  }
  return value;
}
