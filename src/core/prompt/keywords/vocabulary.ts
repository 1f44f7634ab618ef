/**
 * The photographer's controlled vocabulary: a Lightroom Classic keyword-list export
 * (Metadata → Export Keywords), or a plain list with one keyword per line.
 *
 * Lightroom's export format (also what the Controlled Vocabulary Keyword Catalog ships for import,
 * controlledvocabulary.com/help/cvkc-lightroom.html): one keyword per line, each level of the
 * hierarchy indented one more tab; `[Name]` is a keyword that is not exported (a category that
 * only builds the hierarchy); `{Name}` is a synonym of the keyword it is indented under.
 * A plain line may also carry its own path: `Animals|Birds|Falcon` or `Animals > Birds > Falcon`.
 */
import { estimateTextTokens } from '../../pricing/estimate.js';

export interface VocabularyTerm {
  /** The preferred spelling, as written in the file. */
  name: string;
  /** Ancestors then the term itself, category names included (what lr:hierarchicalSubject holds). */
  path: string[];
  synonyms: string[];
}

export type VocabularyMode = 'strict' | 'prefer';

export interface SnapResult {
  /** Keywords after snapping, in the answer's order (most important first), without duplicates. */
  keywords: string[];
  /** `Parent|Child|Term` for each keyword: vocabulary terms with their path, kept outsiders as themselves. */
  hierarchical: string[];
  /** Keywords the vocabulary did not know: dropped in strict mode, kept in prefer mode. */
  unknown: string[];
}

export interface Vocabulary {
  readonly terms: readonly VocabularyTerm[];
  /** The vocabulary term a keyword means, by case, accents, plural, synonym or a one-letter slip. */
  lookup(keyword: string): VocabularyTerm | undefined;
  snap(keywords: readonly string[], mode: VocabularyMode): SnapResult;
  /** Preferred terms for the prompt, most general first, within `maxTokens` (estimated as the bill does). */
  hint(maxTokens: number): { text: string; terms: number; tokens: number };
}

/** One line per keyword; throws with the line number on what cannot be a keyword list. */
export function parseVocabulary(text: string): Vocabulary {
  const terms: VocabularyTerm[] = [];
  // The path of named nodes above the current line, by depth; categories included.
  const stack: { name: string; term?: VocabularyTerm }[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  lines.forEach((raw, i) => {
    if (raw.trim() === '') return;
    if (raw.includes('\0')) throw new Error(`line ${i + 1} holds a NUL byte; is this a keyword text file?`);
    const depth = /^\t*/.exec(raw)![0].length;
    const line = raw.trim().normalize('NFC');
    if (depth > stack.length) throw new Error(`line ${i + 1} ("${line}") is indented deeper than the keyword above it`);
    stack.length = depth;

    const synonym = /^\{(.+)\}$/.exec(line);
    if (synonym) {
      // A synonym belongs to the keyword it is indented under.
      const owner = stack[depth - 1]?.term;
      if (!owner) throw new Error(`line ${i + 1}: synonym {${synonym[1]}} has no keyword above it`);
      owner.synonyms.push(synonym[1]!.trim());
      // Synonyms have no children: keep the stack at the owner's level.
      return;
    }
    const category = /^\[(.+)\]$/.exec(line);
    if (category) {
      stack.push({ name: category[1]!.trim() });
      return;
    }
    const parts = line.split(/\s*\|\s*|\s+>\s+/).map((p) => p.trim()).filter(Boolean);
    const above = stack.map((s) => s.name);
    const term: VocabularyTerm = { name: parts[parts.length - 1]!, path: [...above, ...parts], synonyms: [] };
    terms.push(term);
    stack.push({ name: term.name, term });
  });
  if (terms.length === 0) throw new Error('no keywords found (expected one keyword per line, children indented with tabs)');
  return createVocabulary(terms);
}

function createVocabulary(terms: VocabularyTerm[]): Vocabulary {
  const exact = new Map<string, VocabularyTerm>();
  const folded = new Map<string, VocabularyTerm>();
  const add = (key: string, term: VocabularyTerm) => {
    // The first term with a name wins: a vocabulary listing "Paris" twice (France, Texas) keeps the first.
    if (!exact.has(norm(key))) exact.set(norm(key), term);
    for (const f of [fold(key), singular(fold(key))]) if (!folded.has(f)) folded.set(f, term);
  };
  for (const t of terms) add(t.name, t);
  for (const t of terms) for (const s of t.synonyms) add(s, t);
  const foldedKeys = [...folded.keys()];

  const lookup = (keyword: string): VocabularyTerm | undefined => {
    const n = norm(keyword);
    if (!n) return undefined;
    const hit = exact.get(n) ?? folded.get(fold(keyword)) ?? folded.get(singular(fold(keyword)));
    if (hit) return hit;
    // A one-letter slip ("colour"/"color" needs two; "lanterns"/"lantern" is the plural rule above).
    const f = fold(keyword);
    if (f.length < 5) return undefined;
    const limit = f.length >= 9 ? 2 : 1;
    let best: string | undefined;
    let bestD = limit + 1;
    let tie = false;
    for (const k of foldedKeys) {
      if (Math.abs(k.length - f.length) > limit) continue;
      const d = editDistance(f, k, limit);
      if (d < bestD) {
        best = k;
        bestD = d;
        tie = false;
      } else if (d === bestD && folded.get(k) !== folded.get(best!)) tie = true;
    }
    // Two terms equally close is a guess, not a spelling fix.
    return best !== undefined && !tie ? folded.get(best) : undefined;
  };

  return {
    terms,
    lookup,
    snap(keywords, mode) {
      const out: string[] = [];
      const hierarchical: string[] = [];
      const unknown: string[] = [];
      const seen = new Set<string>();
      for (const k of keywords) {
        const term = lookup(k);
        if (!term && mode === 'strict') {
          unknown.push(k);
          continue;
        }
        if (!term) unknown.push(k);
        const name = term?.name ?? k;
        if (seen.has(norm(name))) continue;
        seen.add(norm(name));
        out.push(name);
        hierarchical.push(term ? term.path.join('|') : name);
      }
      return { keywords: out, hierarchical, unknown };
    },
    hint(maxTokens) {
      // Shallow terms first: they are the ones most photos need, and a cut list stays balanced.
      const ordered = [...terms].sort((a, b) => a.path.length - b.path.length);
      const lead = "Prefer these terms from the photographer's keyword list when they fit: ";
      const picked: string[] = [];
      let text = '';
      for (const t of ordered) {
        const next = `${lead}${[...picked, t.name].join(', ')}.`;
        if (hintTokens(next) > maxTokens) break;
        picked.push(t.name);
        text = next;
      }
      return { text, terms: picked.length, tokens: text ? hintTokens(text) : 0 };
    },
  };
}

/**
 * Tokens of the hint text: the bill's estimate (4 characters of Latin text per token) without its message
 * framing, plus one per run of digits, which BPE tokenizers split off (bench 8: "keyword 123" lists cost
 * 30 % more than the plain estimate under o200k_base; word lists match it within 3 %).
 */
export function hintTokens(text: string): number {
  return estimateTextTokens(text) - estimateTextTokens('') + (text.match(/\d+/g)?.length ?? 0);
}

/** Case, width and spacing do not make a different keyword. */
function norm(s: string): string {
  return s.normalize('NFKC').toLocaleLowerCase('en').replace(/[\s_-]+/g, ' ').replace(/^[\s"'#.]+|[\s"'.]+$/g, '');
}

/** Also without accents: "Hoi An" is "Hội An", "cafe" is "café". */
function fold(s: string): string {
  return norm(s).normalize('NFD').replace(/\p{M}+/gu, '').replace(/đ/g, 'd');
}

/** English plural → singular, word by word on the last word ("red lanterns" → "red lantern"). */
function singular(s: string): string {
  return s.replace(/(\w+)$/u, (w) => {
    if (w.length <= 3 || /ss$|us$|is$/.test(w)) return w;
    if (/ies$/.test(w)) return w.slice(0, -3) + 'y';
    if (/(?:ches|shes|xes|zes|sses|oes)$/.test(w)) return w.slice(0, -2);
    if (/s$/.test(w)) return w.slice(0, -1);
    return w;
  });
}

/** Damerau–Levenshtein (adjacent swaps count once), giving up past `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  const m = a.length;
  const n = b.length;
  let prev2: number[] = [];
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2]! + 1);
      cur.push(v);
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin > limit) return limit + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[n]!;
}
