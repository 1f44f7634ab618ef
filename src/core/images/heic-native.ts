import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pLimit from 'p-limit';
import { HeicDecodeError } from './heic-decoder.js';

/**
 * HEIC through the machine's own libheif, when it has one: Debian/Ubuntu `libheif-examples`, Homebrew
 * `libheif`, Fedora `libheif-tools` install `heif-dec` (libheif ≥ 1.17) or `heif-convert` (before). Native
 * libheif with libde265 decodes a 12 MP iPhone photo in ~0.3 s of CPU against ~1 s for the WebAssembly
 * build, and each decode is its own process, so one per core run side by side. The tool writes a
 * high-quality JPEG (its fastest output: PNG costs 5× the CPU, Y4M 50 MB of disk per photo) that the
 * usual sharp pipeline then shrinks on load.
 *
 * PHOTOBATCH_HEIC_DECODER=wasm forces the portable WebAssembly decoder; =native refuses to fall back.
 */

export interface NativeHeicTool {
  path: string;
  name: string;
  /** libheif's version, from the tool's help. */
  version?: string;
}

/** Quality of the intermediate JPEG: high enough that the photo shrunk from it is the same to the eye. */
const INTERMEDIATE_QUALITY = 92;

/** Per PATH: looked up once per process. */
const found = new Map<string, Promise<NativeHeicTool | undefined>>();
/** The environment the CLI (or a library user) configured; otherwise the tools are looked up on the process's PATH. */
let configured: Record<string, string | undefined> | undefined;

/** Where to look for heif-dec/heif-convert (PATH) and PHOTOBATCH_HEIC_DECODER: the CLI passes its environment. */
export function configureHeicDecoder(env: Record<string, string | undefined> | undefined): void {
  configured = env === undefined ? undefined : { PATH: env.PATH, PHOTOBATCH_HEIC_DECODER: env.PHOTOBATCH_HEIC_DECODER };
}

export type HeicDecoderChoice = { kind: 'native'; tool: NativeHeicTool } | { kind: 'wasm'; reason: string };

/** Which decoder HEIC photos will use on this machine (cached per PATH for the process). */
export async function chooseHeicDecoder(env: Record<string, string | undefined> | undefined = configured): Promise<HeicDecoderChoice> {
  const wanted = (env?.PHOTOBATCH_HEIC_DECODER ?? '').toLowerCase();
  if (wanted === 'wasm') return { kind: 'wasm', reason: 'PHOTOBATCH_HEIC_DECODER=wasm' };
  const key = env?.PATH ?? '\0inherited';
  if (!found.has(key)) found.set(key, findNativeTool(env?.PATH));
  const tool = await found.get(key)!;
  if (tool) return { kind: 'native', tool };
  if (wanted === 'native') throw new HeicDecodeError('PHOTOBATCH_HEIC_DECODER=native, but no heif-dec or heif-convert with an HEVC decoder is on PATH', 'load');
  return { kind: 'wasm', reason: 'no heif-dec or heif-convert with an HEVC decoder on PATH (Debian: apt-get install libheif-examples)' };
}

async function findNativeTool(PATH: string | undefined): Promise<NativeHeicTool | undefined> {
  for (const name of ['heif-dec', 'heif-convert']) {
    // Without a configured PATH the child process finds the tool on the process's own PATH.
    const file = PATH === undefined ? name : onPath(name, PATH);
    if (!file) continue;
    // Some builds ship without libde265 (AVIF only): ask the tool which decoders it has.
    const list = await run(file, ['--list-decoders'], 10_000).catch(() => undefined);
    if (list === undefined || !/HEIC decoders:\s*\n\s*-\s*\S+/.test(list)) continue;
    const help = await run(file, ['--help'], 10_000).catch((err: { stdout?: string; stderr?: string }) => `${err.stdout ?? ''}${err.stderr ?? ''}`);
    const version = /libheif version:\s*([\w.]+)/.exec(help ?? '')?.[1];
    return { path: file, name, ...(version ? { version } : {}) };
  }
  return undefined;
}

function onPath(name: string, PATH: string): string | undefined {
  for (const dir of PATH.split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

function run(file: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 1 << 20, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err, { stdout, stderr }));
      else resolve(`${stdout}${stderr}`);
    });
  });
}

// One decode per core: the tool is a separate process, so every core decodes at once.
const limit = pLimit(Math.max(1, os.availableParallelism()));
let scratch: string | undefined;

/** RAM-backed scratch space where there is one: the photo and its JPEG live there for a fraction of a second. */
function scratchDir(): string {
  if (scratch) return scratch;
  const base = process.platform === 'linux' && canWrite('/dev/shm') ? '/dev/shm' : os.tmpdir();
  scratch = mkdtempSync(path.join(base, 'photobatch-heic-'));
  process.once('exit', () => rmSync(scratch!, { recursive: true, force: true }));
  return scratch;
}

function canWrite(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

let seq = 0;

/** Decodes a HEIC with the native tool to a JPEG (libheif's irot/imir/clap applied; EXIF kept as libheif writes it). */
export function decodeHeicNative(tool: NativeHeicTool, heic: Buffer, timeoutMs: number): Promise<Buffer> {
  return limit(async () => {
    const dir = scratchDir();
    const id = `${process.pid}-${++seq}`;
    const input = path.join(dir, `${id}.heic`);
    const output = path.join(dir, `${id}.jpg`);
    try {
      await writeFile(input, heic, { mode: 0o600 });
      try {
        await run(tool.path, ['--quiet', '-q', String(INTERMEDIATE_QUALITY), input, output], timeoutMs);
      } catch (err) {
        const e = err as { killed?: boolean; signal?: string; stderr?: string; message: string };
        if (e.killed || e.signal === 'SIGKILL') throw new HeicDecodeError(`HEIC decode took longer than ${timeoutMs} ms`, 'timeout');
        const detail = (e.stderr ?? '').split('\n').map((l) => l.trim()).find(Boolean) ?? e.message;
        throw new HeicDecodeError(detail, 'decode');
      }
      return await readFile(output);
    } finally {
      await Promise.all([rm(input, { force: true }), rm(output, { force: true })]);
    }
  });
}
