import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, onTestFinished, test } from 'vitest';
import { chooseHeicDecoder, configureHeicDecoder } from '../../../src/core/images/heic-native.js';
import { preparePhoto } from '../../../src/core/images/prepare.js';
import { REPO_ROOT } from '../../helpers/run-cli.js';
import { tempDir } from '../../helpers/images.js';

const HEIC_DIR = path.resolve(REPO_ROOT, '../shared/photos/heic');
const native = await chooseHeicDecoder({ PATH: process.env.PATH });

describe('HEIC decoder choice', () => {
  test('native libheif when a heif-dec/heif-convert with an HEVC decoder is on PATH, else WebAssembly; forced by PHOTOBATCH_HEIC_DECODER', async () => {
    const empty = await tempDir('photobatch-nopath-');
    const none = await chooseHeicDecoder({ PATH: empty });
    expect(none).toMatchObject({ kind: 'wasm', reason: expect.stringMatching(/libheif-examples/) });
    expect(await chooseHeicDecoder({ PATH: process.env.PATH, PHOTOBATCH_HEIC_DECODER: 'wasm' })).toMatchObject({ kind: 'wasm' });
    await expect(chooseHeicDecoder({ PATH: empty, PHOTOBATCH_HEIC_DECODER: 'native' })).rejects.toThrow(/no heif-dec or heif-convert/);
  });

  test.skipIf(native.kind !== 'native' || !existsSync(HEIC_DIR))('native and WebAssembly give the same upright photo for the real iPhone HEICs', async () => {
    onTestFinished(() => configureHeicDecoder(undefined));
    for (const name of ['iphone_7.heic', 'IMG_2927.HEIC']) {
      const heic = await readFile(path.join(HEIC_DIR, name));
      const out: Record<string, { w: number; h: number; means: number[] }> = {};
      for (const decoder of ['native', 'wasm']) {
        configureHeicDecoder({ PATH: process.env.PATH, PHOTOBATCH_HEIC_DECODER: decoder });
        const p = await preparePhoto(heic, { maxEdge: 256, quality: 90 });
        // Thirds from top to bottom: orientation shows in where the bright sky and the dark ground are.
        const { data, info } = await sharp(p.data).resize(1, 3, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
        const means = [0, 1, 2].map((row) => (data[row * info.channels]! + data[row * info.channels + 1]! + data[row * info.channels + 2]!) / 3);
        out[decoder] = { w: p.width, h: p.height, means };
      }
      expect([out.native!.w, out.native!.h], name).toEqual([out.wasm!.w, out.wasm!.h]);
      for (let i = 0; i < 3; i++) expect(Math.abs(out.native!.means[i]! - out.wasm!.means[i]!), name).toBeLessThan(6);
    }
  });
});
