/**
 * `--context-from-metadata`: what the photo's own IPTC/XMP already says (keywords, caption, event,
 * place names, the people tagged in it), read from the file and from its sidecar, as a line for the
 * prompt. Names come from the photographer's face tags, never from recognition by the model.
 *
 * Only the fields listed here are read, so GPS coordinates (EXIF or XMP) can never reach the prompt:
 * a place is its name ("coordinates are not a place", LrGeniusAI PR #331).
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { ExifTool } from 'exiftool-vendored';
import type { PhotoRef } from '../types.js';

const TAGS = [
  'XMP-dc:Subject', 'XMP-lr:HierarchicalSubject', 'IPTC:Keywords',
  'XMP-dc:Description', 'IPTC:Caption-Abstract', 'XMP-dc:Title', 'IPTC:ObjectName', 'XMP-photoshop:Headline',
  'XMP-iptcExt:Event', 'XMP-iptcExt:PersonInImage', 'XMP-mwg-rs:RegionInfo', 'XMP-MP:RegionInfoMP',
  'XMP-iptcExt:LocationShown', 'XMP-iptcExt:LocationCreated',
  'XMP-iptcCore:Location', 'XMP-photoshop:City', 'XMP-photoshop:State', 'XMP-photoshop:Country',
  'IPTC:Sub-location', 'IPTC:City', 'IPTC:Province-State', 'IPTC:Country-PrimaryLocationName',
];

/** Keeps each field short: the prompt is paid for on every photo. */
const MAX_FIELD_CHARS = 300;
const MAX_LIST = 25;

export interface MetadataContextReader {
  read(photo: PhotoRef): Promise<string | undefined>;
  close(): Promise<void>;
}

export function createMetadataContextReader(): MetadataContextReader {
  let et: ExifTool | undefined;
  const tool = () => (et ??= new ExifTool({ maxProcs: 1 }));
  return {
    async read(photo) {
      const sources = [photo.path, ...(await existingSidecars(photo.path))];
      const merged: Record<string, unknown> = {};
      for (const file of sources) {
        const tags = (await tool()
          .read(file, { readArgs: ['-struct', ...TAGS.map((t) => `-${t}`)], useMWG: false })
          .catch(() => ({}))) as Record<string, unknown>;
        // The sidecar (read last) is what Lightroom and darktable edit: it wins over the file.
        for (const [k, v] of Object.entries(tags)) if (v !== undefined && v !== '' && k !== 'errors' && k !== 'warnings') merged[k] = v;
      }
      return describeMetadata(merged);
    },
    async close() {
      const current = et;
      et = undefined;
      await current?.end();
    },
  };
}

async function existingSidecars(photoPath: string): Promise<string[]> {
  const base = path.basename(photoPath);
  const stem = base.slice(0, base.length - path.extname(base).length);
  const dir = path.dirname(photoPath);
  const out: string[] = [];
  for (const name of [`${stem}.xmp`, `${base}.xmp`, `${stem}.XMP`, `${base}.XMP`]) {
    const file = path.join(dir, name);
    if (!out.includes(file) && (await access(file).then(() => true, () => false))) out.push(file);
  }
  return out;
}

/** One line per kind of fact, from tags as exiftool-vendored reads them; undefined when there is nothing. */
export function describeMetadata(tags: Record<string, unknown>): string | undefined {
  const lines: string[] = [];
  const add = (label: string, values: string[]) => {
    const list = unique(values.map(clean).filter(Boolean)).slice(0, MAX_LIST);
    if (list.length > 0) lines.push(`${label}: ${list.join(', ')}`.slice(0, MAX_FIELD_CHARS * 2));
  };
  add('People in the photo', [
    ...strings(tags.PersonInImage),
    ...regionNames(tags.RegionInfo),
    ...regionNames(tags.RegionInfoMP),
  ]);
  add('Event', strings(tags.Event));
  add('Place', places(tags));
  add('Title', [...strings(tags.Title), ...strings(tags.ObjectName), ...strings(tags.Headline)].slice(0, 1));
  add('Existing caption', [...strings(tags.Description), ...strings(tags['Caption-Abstract'])].slice(0, 1));
  add('Existing keywords', [
    ...strings(tags.Subject),
    ...strings(tags.Keywords),
    ...strings(tags.HierarchicalSubject).map((h) => h.split('|').pop() ?? h),
  ]);
  return lines.length > 0 ? lines.join('\n') : undefined;
}

function places(tags: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const loc of [...structs(tags.LocationShown), ...structs(tags.LocationCreated)]) {
    // Only the named parts of the structure: LocationShown may also carry GPS, which stays behind.
    const name = [loc.Sublocation, loc.City, loc.ProvinceState, loc.CountryName].filter((x): x is string => typeof x === 'string' && x.trim() !== '');
    if (name.length > 0) out.push(name.join(', '));
  }
  const legacy = [
    tags.Location ?? tags['Sub-location'],
    tags.City,
    tags.State ?? tags['Province-State'],
    tags.Country ?? tags['Country-PrimaryLocationName'],
  ].filter((x): x is string => typeof x === 'string' && x.trim() !== '');
  if (legacy.length > 0) out.push(unique(legacy).join(', '));
  return out;
}

/** MWG regions (Lightroom, digiKam, Picasa: `RegionList[].Name`) and Microsoft's (`Regions[].PersonDisplayName`). */
function regionNames(info: unknown): string[] {
  const i = info as { RegionList?: unknown; Regions?: unknown } | undefined;
  const list = [...structs(i?.RegionList), ...structs(i?.Regions)];
  return structs(list)
    .filter((r) => r.Type === undefined || String(r.Type).toLowerCase() === 'face' || r.PersonDisplayName !== undefined)
    .map((r) => r.Name ?? r.PersonDisplayName)
    .filter((n): n is string => typeof n === 'string');
}

function structs(v: unknown): Record<string, unknown>[] {
  const list = Array.isArray(v) ? v : v && typeof v === 'object' ? [v] : [];
  return list.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null);
}

function strings(v: unknown): string[] {
  if (Array.isArray(v)) return v.flatMap(strings);
  if (typeof v === 'string' || typeof v === 'number') return [String(v)];
  return [];
}

function clean(s: string): string {
  // Control characters from a hostile file must not shape the prompt; keep it to one line per fact.
  return s.replace(/[\p{Cc}\p{Cf}]+/gu, ' ').replace(/\s+/g, ' ').trim().slice(0, MAX_FIELD_CHARS);
}

function unique(list: string[]): string[] {
  const seen = new Set<string>();
  return list.filter((x) => {
    const k = x.toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
