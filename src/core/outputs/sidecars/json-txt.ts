import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { KeepExisting, Provenance, SidecarFields } from './types.js';
import { fingerprint } from '../../safety/output-manifest.js';
import { writeFileAtomic } from '../../record/atomic-write.js';

/** Readers (Lightroom, a training script) see the old file or the new one, never half of one. */
async function writeSidecarFile(target: string, data: string): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  await writeFileAtomic(target, data);
}

/** Every keyword the fields carry, top level first, then each language's. */
export function allKeywords(fields: SidecarFields): string[] {
  const lists = [fields.keywords ?? [], ...Object.values(fields.byLang ?? {}).map((l) => l.keywords ?? [])];
  return keywordUnion([], lists.flat());
}

/** Every keyword path (lr:hierarchicalSubject): the vocabulary path, or the flat keyword as a top-level one. */
export function allHierarchical(fields: SidecarFields): string[] {
  const groups = [fields, ...Object.values(fields.byLang ?? {})];
  return keywordUnion([], groups.flatMap((g) => g.hierarchical ?? g.keywords ?? []));
}

/** `existing` kept as is and in order; incoming ones added unless already there in any letter case. */
export function keywordUnion(existing: readonly string[], incoming: readonly string[]): string[] {
  const seen = new Set(existing.map((k) => k.toLowerCase()));
  const out = [...existing];
  for (const raw of incoming) {
    const k = raw.trim();
    if (!k || seen.has(k.toLowerCase())) continue;
    seen.add(k.toLowerCase());
    out.push(k);
  }
  return out;
}

/** The main text of the photo: what a `.txt` caption file holds. */
export function mainText(fields: SidecarFields): string | undefined {
  const firstLang = Object.values(fields.byLang ?? {})[0];
  const text = fields.caption ?? firstLang?.caption ?? fields.altText ?? firstLang?.altText;
  if (text?.trim()) return text.trim();
  const keywords = allKeywords(fields);
  // Tag-style training sets use "tag, tag, tag" when there is no sentence.
  return keywords.length > 0 ? keywords.join(', ') : undefined;
}

/**
 * Writes or merges the JSON sidecar: keys another tool put there stay, keywords are added
 * to the existing ones, fields this run did not produce keep their previous value.
 * A file that is not a JSON object is someone else's: refuse rather than overwrite it.
 */
export async function writeJsonSidecar(
  target: string, fields: SidecarFields, provenance: Provenance, keep: KeepExisting = () => false,
): Promise<Record<string, string>> {
  let existing: Record<string, unknown> = {};
  const text = await readFile(target, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (text !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!isPlainObject(parsed)) throw new Error(`${target} exists and is not a JSON object; not overwriting it`);
    existing = parsed;
  }

  const merged: Record<string, unknown> = { ...existing };
  // Fields written by hand stay (unless --overwrite); the fingerprints say which values are photobatch's.
  const prints: Record<string, string> = {};
  for (const field of ['caption', 'headline', 'altText'] as const) {
    const value = fields[field];
    if (value === undefined) continue;
    const old = existing[field];
    if (typeof old === 'string' && keep(field, old)) continue;
    merged[field] = value;
    prints[field] = fingerprint(value);
  }
  const oldKeywords = Array.isArray(existing.keywords) ? existing.keywords.filter((k) => typeof k === 'string') : [];
  const keywords = keywordUnion(oldKeywords, fields.keywords ?? []);
  if (keywords.length > 0) merged.keywords = keywords;
  if (fields.byLang && Object.keys(fields.byLang).length > 0) {
    const oldByLang = isPlainObject(existing.byLang) ? existing.byLang : {};
    merged.byLang = { ...oldByLang, ...fields.byLang };
  }
  merged.photobatch = { ...provenance };
  await writeSidecarFile(target, `${JSON.stringify(merged, null, 2)}\n`);
  return prints;
}

/** Writes the caption file; returns false when there is no text to write. A file edited by hand is kept. */
export async function writeTxtSidecar(target: string, fields: SidecarFields, keep: KeepExisting = () => false): Promise<Record<string, string> | false> {
  const text = mainText(fields);
  if (text === undefined) return false;
  const old = await readFile(target, 'utf8').catch(() => undefined);
  if (old !== undefined && keep('text', old)) {
    throw new Error(`${target} was edited since photobatch wrote it; kept as it is (pass --overwrite to replace it)`);
  }
  await writeSidecarFile(target, `${text}\n`);
  return { text: fingerprint(text) };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
