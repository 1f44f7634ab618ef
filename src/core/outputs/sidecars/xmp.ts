import { access, copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DefaultExiftoolArgs, ExifTool, type WriteTags } from 'exiftool-vendored';
import type { Provenance, SidecarFields } from './types.js';
import { allHierarchical, allKeywords, keywordUnion } from './json-txt.js';
import { replaceAtomically } from '../../record/atomic-write.js';
import type { KeepExisting } from './types.js';
import { fingerprint } from '../../safety/output-manifest.js';

/**
 * Defines the XMP-photobatch namespace. The same relative path works from src/core/sidecars
 * and dist/core/sidecars, and `data` ships in the npm package.
 */
export const DEFAULT_EXIFTOOL_CONFIG = fileURLToPath(new URL('../../../../data/exiftool-photobatch.config', import.meta.url));

/** ExifTool launch arguments: `-config` only works as the very first argument. */
export function photobatchExiftoolArgs(configPath: string = DEFAULT_EXIFTOOL_CONFIG): string[] {
  return ['-config', configPath, ...DefaultExiftoolArgs];
}

// What ExifTool accepts after "Tag-" as an RFC 3066 language qualifier.
const LANG_RE = /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/;

/**
 * The tags to write. Only what this run produced is set, so a keywords-only run keeps the
 * caption written earlier. Keywords are appended (`Subject+`) so existing ones stay
 * byte-for-byte, including ones ExifTool would otherwise re-type (e.g. "007").
 */
export interface ExistingKeywords {
  subject: readonly string[];
  hierarchical: readonly string[];
  /** IPTC-IIM Keywords (embedded only). */
  iptc?: readonly string[];
  /** digiKam:TagsList (`Parent/Child`), when digiKam already tagged the photo. */
  digikam?: readonly string[];
}

export function buildXmpTags(fields: SidecarFields, provenance: Provenance, existing: ExistingKeywords | readonly string[]): WriteTags {
  const known: ExistingKeywords = Array.isArray(existing) ? { subject: existing, hierarchical: [] } : (existing as ExistingKeywords);
  const tags: Record<string, unknown> = {};
  const langs = Object.entries(fields.byLang ?? {});
  const first = langs[0]?.[1];

  const caption = fields.caption ?? first?.caption;
  if (caption !== undefined) tags['XMP-dc:Description'] = caption;
  const altText = fields.altText ?? first?.altText;
  if (altText !== undefined) tags['XMP-iptcCore:AltTextAccessibility'] = altText;
  // photoshop:Headline is a plain string, not a language alternative: x-default only.
  const title = fields.title ?? first?.title;
  if (title !== undefined) tags['XMP-dc:Title'] = title;
  // Getty and Photo Mechanic read the title as the headline; an explicit headline wins.
  const headline = fields.headline ?? first?.headline ?? title;
  if (headline !== undefined) tags['XMP-photoshop:Headline'] = headline;
  const extended = fields.extendedDescription ?? first?.extendedDescription;
  if (extended !== undefined) tags['XMP-iptcCore:ExtDescrAccessibility'] = extended;
  for (const [lang, l] of langs) {
    if (!LANG_RE.test(lang)) throw new Error(`Invalid language code for XMP: ${JSON.stringify(lang)}`);
    if (l.caption !== undefined) tags[`XMP-dc:Description-${lang}`] = l.caption;
    if (l.altText !== undefined) tags[`XMP-iptcCore:AltTextAccessibility-${lang}`] = l.altText;
    if (l.title !== undefined) tags[`XMP-dc:Title-${lang}`] = l.title;
    if (l.extendedDescription !== undefined) tags[`XMP-iptcCore:ExtDescrAccessibility-${lang}`] = l.extendedDescription;
  }

  // Both keyword lists: darktable reads lr:hierarchicalSubject and ignores dc:subject when it is present
  // (darktable src/common/exif.cc), Immich prefers it too; Lightroom and agencies read dc:subject.
  const subject = keywordUnion([], known.subject);
  const added = keywordUnion(subject, allKeywords(fields)).slice(subject.length);
  if (added.length > 0) tags['XMP-dc:Subject+'] = added;
  const hier = keywordUnion([], known.hierarchical);
  const addedHier = keywordUnion(hier, allHierarchical(fields)).slice(hier.length);
  if (addedHier.length > 0) tags['XMP-lr:HierarchicalSubject+'] = addedHier;
  // Immich reads digiKam:TagsList before anything else: where digiKam already tagged the photo, our
  // keywords go there too (digiKam's separator is "/"), or Immich would never show them.
  if (known.digikam && known.digikam.length > 0) {
    const dk = keywordUnion([], known.digikam);
    const addedDk = keywordUnion(dk, allHierarchical(fields).map((h) => h.split('|').join('/'))).slice(dk.length);
    if (addedDk.length > 0) tags['XMP-digiKam:TagsList+'] = addedDk;
  }

  tags['XMP-photobatch:PhotobatchModel'] = provenance.model;
  tags['XMP-photobatch:PhotobatchPromptHash'] = provenance.promptHash;
  // null deletes the tag, so a re-run without a reported cost leaves no stale figure behind.
  tags['XMP-photobatch:PhotobatchCostUSD'] = provenance.costUsd === null ? null : formatUsd(provenance.costUsd);
  tags['XMP-photobatch:PhotobatchDate'] = provenance.date;
  return tags as WriteTags;
}

function formatUsd(n: number): string {
  // Plain decimal even for fractions of a cent (String(1e-7) would give "1e-7").
  return n.toFixed(10).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
}

export interface XmpWriter {
  /** Returns fingerprints of the text fields it wrote (hand-written ones, per `keep`, are left as they are). */
  write(target: string, fields: SidecarFields, provenance: Provenance, keep?: KeepExisting): Promise<Record<string, string>>;
  close(): Promise<void>;
}

/**
 * One ExifTool process for the whole run, started on the first write (a run without XMP
 * sidecars never launches perl). The caller serialises writes to the same target.
 */
export function createXmpWriter(opts: { configPath?: string } = {}): XmpWriter {
  const configPath = opts.configPath ?? DEFAULT_EXIFTOOL_CONFIG;
  let et: ExifTool | undefined;
  let checked: Promise<void> | undefined;

  const tool = async (): Promise<ExifTool> => {
    checked ??= access(configPath).catch((err: unknown) => {
      throw new Error(`ExifTool config for the photobatch XMP namespace is missing: ${configPath}`, { cause: err });
    });
    await checked;
    et ??= new ExifTool({ maxProcs: 1, exiftoolArgs: photobatchExiftoolArgs(configPath) });
    return et;
  };

  return {
    async write(target, fields, provenance, keep = () => false) {
      const exiftool = await tool();
      await mkdir(path.dirname(target), { recursive: true });
      const exists = await access(target).then(
        () => true,
        () => false,
      );
      const existingKeywords = exists ? await readKeywords(exiftool, target) : { subject: [], hierarchical: [] };
      const existingText = exists ? await readExistingText(exiftool, target) : {};
      const tags = buildXmpTags(fields, provenance, existingKeywords) as Record<string, unknown>;
      const prints: Record<string, string> = {};
      for (const [field, tag] of Object.entries(TEXT_TAGS)) {
        const value = tags[tag];
        if (typeof value !== 'string') continue;
        const old = existingText[field];
        // A caption the user wrote (or edited after photobatch) stays, with its translations.
        if (old !== undefined && keep(field, old)) {
          for (const k of Object.keys(tags)) if (k === tag || k.startsWith(`${tag}-`)) delete tags[k];
        } else prints[field] = fingerprint(value);
      }
      // Edit a copy and swap it in: a crash or an ExifTool error never leaves a half-written
      // sidecar where Lightroom or darktable would read it.
      await replaceAtomically(target, async (tmp) => {
        if (exists) await copyFile(target, tmp);
        await exiftool.write(tmp, tags as WriteTags, { useMWG: false, writeArgs: ['-overwrite_original'] });
      });
      return prints;
    },
    async close() {
      const current = et;
      et = undefined;
      if (current) await current.end();
    },
  };
}

/** The x-default text fields compared with what is already in a sidecar. */
const TEXT_TAGS: Record<string, string> = {
  caption: 'XMP-dc:Description',
  altText: 'XMP-iptcCore:AltTextAccessibility',
  headline: 'XMP-photoshop:Headline',
};

/** The caption, alt text and headline already in a sidecar, to keep the ones written by hand. */
async function readExistingText(et: ExifTool, file: string): Promise<Record<string, string>> {
  const tags = (await et.read(file, {
    readArgs: ['-XMP-dc:Description', '-XMP-iptcCore:AltTextAccessibility', '-XMP-photoshop:Headline'],
    useMWG: false,
  })) as Record<string, unknown>;
  const text: Record<string, string> = {};
  const pick = (field: string, v: unknown) => {
    if (typeof v === 'string' || typeof v === 'number') text[field] = String(v);
  };
  pick('caption', tags.Description);
  pick('altText', tags.AltTextAccessibility);
  pick('headline', tags.Headline);
  return text;
}

/** The keywords already in a file (sidecar or image), as text: "007" stays "007". */
export async function readKeywords(et: ExifTool, file: string): Promise<Required<ExistingKeywords>> {
  const tags = (await et.read(file, {
    readArgs: ['-XMP-dc:Subject', '-XMP-lr:HierarchicalSubject', '-IPTC:Keywords', '-XMP-digiKam:TagsList'],
    useMWG: false,
  })) as { Subject?: unknown; HierarchicalSubject?: unknown; Keywords?: unknown; TagsList?: unknown; errors?: string[] };
  if (tags.errors && tags.errors.length > 0) {
    // An unreadable sidecar is someone's data: writing over it would lose it.
    throw new Error(`Cannot read existing sidecar ${file}: ${tags.errors.join('; ')}`);
  }
  return { subject: asList(tags.Subject), hierarchical: asList(tags.HierarchicalSubject), iptc: asList(tags.Keywords), digikam: asList(tags.TagsList) };
}

function asList(v: unknown): string[] {
  const list = Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
  return list.map((k) => String(k));
}
