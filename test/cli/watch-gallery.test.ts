/**
 * The live gallery as a guest sees it, in headless Chromium: report.html open from disk reloads by
 * itself while `watch` runs, a new photo's card (and its returned portrait) appears without anyone
 * touching the page, and what the viewer typed in the filter survives the reloads.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { imageOutputReply, startFakeOpenRouter, type FakeServer } from '../helpers/fake-openrouter.js';
import { runCli } from '../helpers/run-cli.js';
import { makeJpeg, tempDir } from '../helpers/images.js';
import { HAVE_CHROMIUM, withBrowser } from '../helpers/browser.js';
import { waitFor } from '../helpers/wait-for.js';

const KEY = 'sk-or-v1-' + '6b6b'.repeat(16);
let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('the live gallery in a browser', () => {
  it.skipIf(!HAVE_CHROMIUM)('reloads itself: a new guest\'s portrait appears while the page stays open, and the filter is kept', async () => {
    const png = await sharp({ create: { width: 24, height: 24, channels: 3, background: '#b11' } }).png().toBuffer();
    server = await startFakeOpenRouter({ handler: (req) => imageOutputReply(req.n, `data:image/png;base64,${png.toString('base64')}`) });
    const booth = await tempDir('photobatch-booth-');
    const out = await tempDir('photobatch-out-');
    await makeJpeg(path.join(booth, 'guest 01.jpg'), { seed: 71 });
    let send: (s: string) => void = () => {};
    const watch = runCli(['watch', booth, '-o', out, '-m', 'google/gemini-2.5-flash-image', '--modalities', 'image,text', '--preset', 'tet-greeting', '--settle', '0.2', '--refresh', '1'], {
      env: { OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: server.url }, signals: (s) => (send = s),
    });
    try {
      const sheet = path.join(out, 'report.html');
      await waitFor('the live sheet', () => existsSync(sheet) || undefined);
      await withBrowser(async (browser) => {
        const page = await browser.newPage();
        await page.goto(pathToFileURL(sheet).href);
        await waitFor('one card', async () => (await page.locator('.card').count()) === 1 || undefined);
        await page.fill('#q', 'guest');
        // A second guest: the open page must show them with no reload by hand.
        await makeJpeg(path.join(booth, 'guest 02.jpg'), { seed: 72 });
        await waitFor('the second card, with no reload by hand', async () => (await page.locator('.card').count()) === 2 || undefined);
        expect(await page.inputValue('#q')).toBe('guest');
        const portraits = await page.locator('.card a.ai img').evaluateAll((imgs) => imgs.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth));
        expect(portraits).toEqual([24, 24]);
      });
    } finally {
      send('SIGINT');
      expect((await watch).code).toBe(0);
    }
  });
});
