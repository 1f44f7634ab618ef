/**
 * The script a user would write instead of photobatch: the official openai SDK pointed at OpenRouter (default
 * retries), p-limit at the same concurrency, a plain sharp resize to 2048 px JPEG, results saved at the end.
 *
 *   node user-script.js <photo-dir> <captions.json> <concurrency>
 *   env: OPENROUTER_API_KEY, OPENROUTER_BASE_URL
 */
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import OpenAI from 'openai';
import pLimit from 'p-limit';
import sharp from 'sharp';

const [dir, outFile, concurrency] = process.argv.slice(2);
if (!dir || !outFile || !concurrency) {
  console.error('usage: user-script.js <photo-dir> <captions.json> <concurrency>');
  process.exit(2);
}

const client = new OpenAI({ apiKey: process.env.OPENROUTER_API_KEY, baseURL: process.env.OPENROUTER_BASE_URL });
const PROMPT =
  'Write one short, vivid caption for this photo: what is happening, who or what is in it, and the mood. ' +
  'Answer with the caption only.';

const files = (await readdir(dir)).filter((f) => /\.(jpe?g|png|webp)$/i.test(f)).sort();
const limit = pLimit(Number(concurrency));
const results: { file: string; caption: string | null }[] = [];

await Promise.all(
  files.map((file) =>
    limit(async () => {
      try {
        const jpeg = await sharp(path.join(dir, file))
          .resize(2048, 2048, { fit: 'inside', withoutEnlargement: true })
          .jpeg()
          .toBuffer();
        const completion = await client.chat.completions.create({
          model: 'google/gemini-2.5-flash',
          max_tokens: 512,
          messages: [
            {
              role: 'user',
              content: [
                { type: 'text', text: PROMPT },
                { type: 'image_url', image_url: { url: `data:image/jpeg;base64,${jpeg.toString('base64')}` } },
              ],
            },
          ],
        });
        results.push({ file, caption: completion.choices[0]!.message.content });
      } catch (err) {
        console.error(`${file}: ${(err as Error).message}`);
      }
    }),
  ),
);

await writeFile(outFile, JSON.stringify(results, null, 2));
console.log(`Captioned ${results.length} of ${files.length} photos.`);
