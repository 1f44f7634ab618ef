/**
 * photobatch's image step alone, as runBatch does it: read the file, preparePhoto with the default sizing (model-aware
 * for the default model, at most MAX_IMAGE_SIZE, quality 80), `parallel` photos at a time. Writes each JPEG to
 * <out-dir> so the parent can check it matches vipsthumbnail's size and orientation.
 *
 *   node prepare-batch.js <list-file> <out-dir> <parallel>   → prints {"wallMs":…,"bytes":…}
 */
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [listFile, outDir, parArg] = process.argv.slice(2);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../..');
const dist = (p: string) => import(pathToFileURL(path.join(root, 'dist', p)).href);
const { preparePhoto } = await dist('core/images/prepare.js');
(await dist('core/images/heic-native.js')).configureHeicDecoder(process.env);
const { familyFor, modelTargetSize } = await dist('core/pricing/image-tokens.js');
const { DEFAULT_MODEL, DEFAULT_MAX_IMAGE_SIZE } = await dist('core/run/config.js');
const family = familyFor(DEFAULT_MODEL);
const target = (w: number, h: number) => modelTargetSize(family, w, h, DEFAULT_MAX_IMAGE_SIZE);

const files = readFileSync(listFile!, 'utf8').split('\n').filter(Boolean);
const t0 = performance.now();
let next = 0;
let bytes = 0;
await Promise.all(
  Array.from({ length: Number(parArg) }, async () => {
    while (next < files.length) {
      const f = files[next++]!;
      const p = await preparePhoto(await readFile(f), { maxEdge: DEFAULT_MAX_IMAGE_SIZE, quality: 80, target });
      bytes += p.bytes;
      await writeFile(path.join(outDir!, path.basename(f)), p.data);
    }
  }),
);
process.stdout.write(JSON.stringify({ wallMs: performance.now() - t0, bytes }) + '\n');
