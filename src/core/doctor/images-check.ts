import { createRequire } from 'node:module';
import os from 'node:os';
import sharp from 'sharp';
import { canDecodeHevc } from '../images/header.js';
import { chooseHeicDecoder } from '../images/heic-native.js';
import type { DoctorCheck } from './check.js';

const PHOTO_FORMATS = ['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif'] as const;

/** Which photo formats this sharp build reads, and which HEIC decoder is there. */
export async function imagesCheck(): Promise<DoctorCheck> {
  // Only the formats the scan picks up; sharp also lists svg, vips and the like, which photos never are.
  const formats = sharp.format as unknown as Record<string, { input: { file: boolean; buffer: boolean; fileSuffix?: string[] } } | undefined>;
  const readable = PHOTO_FORMATS.filter((id) => formats[id]?.input.buffer)
    .map((id) => (id === 'heif' ? (formats.heif?.input.fileSuffix ?? ['.heif']).map((s: string) => s.slice(1)).join('/') : id));
  // HEIC: the machine's native libheif (heif-dec/heif-convert) when present, else the bundled libheif-js (WASM).
  const choice = await chooseHeicDecoder().catch((err: Error) => ({ kind: 'none' as const, reason: err.message }));
  const wasm = hasModule('libheif-js');
  const heic = choice.kind === 'native' || wasm || canDecodeHevc();
  const decoder = choice.kind === 'native'
    ? `native libheif ${choice.tool.version ?? ''} (${choice.tool.path}), ${os.availableParallelism()} at a time`.replace('  ', ' ')
    : wasm && choice.kind === 'wasm' ? `WebAssembly libheif-js, one at a time (${choice.reason})` : `none (${choice.reason})`;
  const data = {
    sharp: sharp.versions.sharp ?? null, libvips: sharp.versions.vips, formats: readable, heic,
    heic_decoder: choice.kind === 'native' ? 'native' : wasm && choice.kind === 'wasm' ? 'wasm' : 'none',
    ...(choice.kind === 'native' ? { heic_tool: choice.tool.path } : {}),
  };
  const base = `sharp ${sharp.versions.sharp ?? '?'} (libvips ${sharp.versions.vips}) reads ${readable.join(', ')}`;
  return heic
    ? { name: 'images', status: 'ok', message: `${base}; HEIC decoder: ${decoder}; camera RAW previews can be decoded`, data }
    : { name: 'images', status: 'warn', message: `${base}; HEIC photos cannot be decoded by this build (convert them to JPEG)`, data };
}

function hasModule(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
}
