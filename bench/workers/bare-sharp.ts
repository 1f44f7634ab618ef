/**
 * The local limit of benchmark 8: bare sharp decoding and re-encoding the same photos on the same cores, with no
 * photobatch around it (read, sharp(autoOrient).resize(inside the model box).jpeg(q80), `parallel` at a time).
 *
 *   node bare-sharp.js <list-file> <parallel>   → prints {"wallMs":…,"n":…}
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';

const [listFile, parArg] = process.argv.slice(2);
const files = readFileSync(listFile!, 'utf8').split('\n').filter(Boolean);
const t0 = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: Number(parArg) }, async () => {
    while (next < files.length) {
      const f = files[next++]!;
      await sharp(await readFile(f), { autoOrient: true }).resize(768, 768, { fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 80 }).toBuffer();
    }
  }),
);
process.stdout.write(JSON.stringify({ wallMs: performance.now() - t0, n: files.length }) + '\n');
