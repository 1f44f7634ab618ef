import { resultsFromRecords } from '../../src/core/record/results-merge.js';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatUsd, renderContactSheet, thumbnailRelPath, writeContactSheet, writeThumbnail } from '../../src/core/outputs/contact-sheet/index.js';
import { buildReport, type CostReport } from '../../src/core/outputs/report.js';
import type { RecordError, ResultRecord } from '../../src/core/types.js';
import { HAVE_CHROMIUM, launchChromium } from '../helpers/browser.js';
import { REPO_ROOT } from '../helpers/run-cli.js';

const XSS = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';
const FLASH = 'google/gemini-2.5-flash';
const MINI = 'openai/gpt-4o-mini';

function record(file: string, extra: Partial<ResultRecord> = {}): ResultRecord {
  const failed = extra.status === 'failed';
  return {
    file, path: `/photos/wedding/${file}`, status: 'ok', attempts: 1, job: 'j1', at: '2026-06-14T18:02:11.000Z',
    ...(failed ? {} : { model: FLASH, usage: { prompt_tokens: 1290, completion_tokens: 64, cost_usd: 0.000412 }, estimated_cost_usd: 0.00045 }),
    ms: 2140, sent: { width: 1568, height: 1045, bytes: 301_233 }, ...extra,
  };
}
const fail = (file: string, error: RecordError, extra: Partial<ResultRecord> = {}): ResultRecord =>
  record(file, { status: 'failed', attempts: 3, error, ...extra });
const reportOf = (records: ResultRecord[]): CostReport =>
  buildReport({ records, total: records.length, skipped: 0, elapsedMs: 41_200, now: new Date('2026-06-14T18:05:00Z') });
const render = (records: ResultRecord[], thumb?: string) =>
  renderContactSheet({ records, report: reportOf(records), thumbnailFor: () => thumb });

describe('renderContactSheet', () => {
  it('renders model output, file names and errors as text, never as markup', () => {
    const html = render([
      record(`"><b>x</b> & co.jpg`, { output: XSS }),
      fail('bad.jpg', { kind: 'bad_request', http_status: 400, message: '<img src=x onerror=alert(1)>' }),
    ], 'thumbs/a.jpg');
    expect(html.match(/<script\b/g)).toHaveLength(1); // only the sheet's own filter script
    expect(html).not.toMatch(/<img src=x/);
    expect(html).toContain('&lt;script&gt;window.__pwned = 1&lt;/script&gt;');
    expect(html).toContain('alt="&quot;&gt;&lt;b&gt;x&lt;/b&gt; &amp; co.jpg"');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('highlights a failed photo with its error kind, HTTP status and message', () => {
    const html = render([fail('IMG_7.jpg', { kind: 'moderation', http_status: 403, message: 'flagged by the provider' })]);
    expect(html).toMatch(/<article class="card failed" data-status="failed">/);
    expect(html).toMatch(/<div class="err" data-s><b>moderation \(HTTP 403\)<\/b> flagged by the provider<\/div>/);
    expect(html).toContain('no preview');
  });

  it('shows the fields of structured output, keywords as chips, whether parsed or a fenced JSON string', () => {
    const fields = { alt_text: 'Two people dancing', caption: 'First dance', keywords: ['dance', 'wedding'], extra: { n: 1 } };
    for (const output of [fields, '```json\n' + JSON.stringify(fields) + '\n```']) {
      const html = render([record('a.jpg', { output: output as string })]);
      expect(html).toContain('<ul class="chips"><li>dance</li><li>wedding</li></ul>');
      expect(html.indexOf('First dance')).toBeLessThan(html.indexOf('Two people dancing')); // caption leads
      expect(html).toContain('<span class="k">alt text</span>');
      expect(html).toContain('&quot;n&quot;: 1');
    }
  });

  it('puts the cost summary on top: counts, bill, estimate, per model, per photo and per 1,000', () => {
    const records = [record('a.jpg'), record('b.jpg', { model: MINI, usage: { prompt_tokens: 900, completion_tokens: 50, cost_usd: 0.000288 } }),
      fail('c.jpg', { kind: 'timeout', http_status: null, message: 'no answer' })];
    const report = reportOf(records);
    const html = renderContactSheet({ records, report, title: 'Smith & Lee <wedding>', thumbnailFor: () => undefined });
    expect(html).toContain('<title>Smith &amp; Lee &lt;wedding&gt;</title>');
    expect(html).toContain(`data-stat="ok" data-value="2"><b>2</b>`);
    expect(html).toContain(`data-stat="failed" data-value="1"><b>1</b>`);
    expect(html).toContain(`data-stat="billed" data-value="${report.cost_usd.billed}"><b>$0.000700</b>`);
    expect(html).toContain(`data-stat="per-1000" data-value="${report.projection_usd.photos_1000}"><b>$0.3500</b>`);
    expect(html).toMatch(/<td>openai\/gpt-4o-mini<\/td><td class="n">1<\/td><td class="n">\$0\.000288<\/td>/);
    expect(html).toContain('<meta name="viewport"');
    expect(html).not.toMatch(/https?:|\/\/[a-z]|@import|url\(/i); // nothing that could reach the network
  });

  it('formats dollars with 4 decimals, or 6 below a cent', () => {
    expect([formatUsd(0.000412), formatUsd(1.23456), formatUsd(0), formatUsd(null)]).toEqual(['$0.000412', '$1.2346', '$0.0000', '—']);
  });
});

async function scene(seed: number, portrait: boolean): Promise<Buffer> {
  const [w, h] = portrait ? [400, 600] : [600, 400];
  const hue = (seed * 47) % 360;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">
<defs><linearGradient id="s" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="hsl(${hue},70%,65%)"/><stop offset="1" stop-color="hsl(${(hue + 40) % 360},60%,85%)"/></linearGradient></defs>
<rect width="100%" height="100%" fill="url(#s)"/><circle cx="${w * 0.72}" cy="${h * 0.28}" r="${h * 0.1}" fill="hsl(45,95%,70%)"/>
<path d="M0 ${h * 0.7} Q ${w * 0.3} ${h * 0.5} ${w * 0.6} ${h * 0.68} T ${w} ${h * 0.62} V ${h} H 0 Z" fill="hsl(${(hue + 180) % 360},35%,35%)"/>
<rect x="${w * 0.2}" y="${h * 0.5}" width="${w * 0.05}" height="${h * 0.25}" rx="8" fill="#222"/><rect x="${w * 0.28}" y="${h * 0.47}" width="${w * 0.05}" height="${h * 0.28}" rx="8" fill="#eee"/></svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 80 }).toBuffer();
}

describe('thumbnails', () => {
  it('fit 320 px, are keyed by sha256, and are not redone when present', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'photobatch-thumbs-'));
    try {
      const sha = 'ab'.repeat(32);
      expect(await writeThumbnail(out, sha, await scene(1, true))).toBe(`thumbs/${sha}.jpg`);
      const meta = await sharp(path.join(out, 'thumbs', `${sha}.jpg`)).metadata();
      expect([meta.width, meta.height, meta.format]).toEqual([213, 320, 'jpeg']);
      const before = await stat(path.join(out, 'thumbs', `${sha}.jpg`));
      await writeThumbnail(out, sha, Buffer.from('not even a jpeg'));
      expect((await stat(path.join(out, 'thumbs', `${sha}.jpg`))).mtimeMs).toBe(before.mtimeMs);
      expect(() => thumbnailRelPath('../../etc/passwd')).toThrow(/sha256/);
      await writeContactSheet(out, { results: resultsFromRecords([record('a.jpg', { sha256: sha }), record('b.jpg', { sha256: 'cd'.repeat(32) })], out), report: reportOf([]) });
      const html = await readFile(path.join(out, 'report.html'), 'utf8');
      expect(html.match(/<img src="thumbs\//g)).toHaveLength(1); // b.jpg has no thumbnail on disk
      expect((await readdir(out)).sort()).toEqual(['report.html', 'thumbs']); // no temp file left behind
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('a sent JPEG at most twice the thumbnail edge is its own thumbnail; a larger one is shrunk', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'photobatch-thumbs-'));
    try {
      const sent = await scene(2, true); // 400×600
      const rel = await writeThumbnail(out, 'ef'.repeat(32), sent, { width: 400, height: 600 });
      expect((await readFile(path.join(out, rel))).equals(sent)).toBe(true);
      const big = await sharp(sent).resize(500, 750).jpeg().toBuffer();
      const relBig = await writeThumbnail(out, '01'.repeat(32), big, { width: 500, height: 750 });
      const meta = await sharp(path.join(out, relBig)).metadata();
      expect([meta.width, meta.height]).toEqual([213, 320]);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});

const CAPTIONS = [
  'Bride and groom exchange rings under a floral arch, guests smiling in the background.',
  'Wide shot of the reception hall at sunset with string lights over long wooden tables.',
  'The couple cutting a three-tier white cake decorated with fresh peonies.',
  'Flower girl in a white dress holding a basket of rose petals, looking at the camera.',
];

describe.skipIf(!HAVE_CHROMIUM)('contact sheet in headless Chromium', () => {
  let browser: Browser | undefined;
  let out = '';
  let records: ResultRecord[] = [];
  let report: CostReport;

  beforeAll(async () => {
    out = await mkdtemp(path.join(os.tmpdir(), 'photobatch-sheet-'));
    const launched = launchChromium(); // starts while the photos are made
    for (let i = 1; i <= 12; i++) {
      const jpeg = await scene(i, i % 4 === 0);
      const sha256 = createHash('sha256').update(jpeg).digest('hex');
      await writeThumbnail(out, sha256, jpeg);
      const file = `IMG_${String(4800 + i)}.jpg`;
      if (i === 5) records.push(fail(file, { kind: 'timeout', http_status: null, message: 'No answer within 60 s after 3 attempts' }, { sha256 }));
      else if (i === 9) records.push(fail(file, { kind: 'moderation', http_status: 403, message: 'Input flagged by the provider moderation' }, { sha256 }));
      else if (i === 7) records.push(record(file, { sha256, output: XSS }));
      else if (i % 3 === 0) {
        records.push(record(file, { sha256, model: MINI, usage: { prompt_tokens: 2838, completion_tokens: 88, cost_usd: 0.000478 },
          output: JSON.stringify({ caption: CAPTIONS[i % 4], keywords: ['wedding', 'ceremony', i % 2 ? 'outdoor' : 'indoor'], alt_text: `Photo ${i} of the wedding day` }) }));
      } else records.push(record(file, { sha256, output: CAPTIONS[i % 4] }));
    }
    report = reportOf(records);
    await writeContactSheet(out, { results: resultsFromRecords(records, out), report, title: 'Smith & Lee wedding — contact sheet' });
    browser = await launched;
  });
  afterAll(async () => {
    await browser?.close();
    if (out) await rm(out, { recursive: true, force: true });
  });

  // SCREENSHOT_DIR keeps the pictures for a human to look at; by default they go with the temp folder.
  const shots = () => process.env.SCREENSHOT_DIR ?? out;

  async function open(width: number, height: number): Promise<{ page: Page; requests: string[]; problems: string[] }> {
    const page = await browser!.newPage({ viewport: { width, height } });
    const requests: string[] = [];
    const problems: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text()); });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(pathToFileURL(path.join(out, 'report.html')).href, { waitUntil: 'load' });
    return { page, requests, problems };
  }

  it('shows every photo with its thumbnail, the cost-report counts, and a working filter, offline', async () => {
    const { page, requests, problems } = await open(1200, 900);
    try {
      const cards = page.locator('.card');
      expect(await cards.count()).toBe(records.length);
      const widths = await page.locator('.card .thumb img').evaluateAll((imgs) => imgs.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth));
      expect(widths).toHaveLength(records.length);
      expect(widths.every((w) => w > 0)).toBe(true);

      const value = (key: string) => page.locator(`[data-stat="${key}"]`).getAttribute('data-value');
      expect(await value('ok')).toBe(String(report.photos.ok));
      expect(await value('failed')).toBe(String(report.photos.failed));
      expect(await value('skipped')).toBe(String(report.photos.skipped));
      expect(await value('billed')).toBe(String(report.cost_usd.billed));
      expect(await page.locator('[data-stat="billed"] b').textContent()).toBe(formatUsd(report.cost_usd.billed));
      expect(await page.locator('[data-stat="per-1000"] b').textContent()).toBe(formatUsd(report.projection_usd.photos_1000));
      expect(await page.locator('.card[data-status="ok"]').count()).toBe(report.photos.ok);
      expect(await page.locator('.card[data-status="failed"]').count()).toBe(report.photos.failed);
      expect(await page.locator('#shown').textContent()).toBe('12 of 12 shown');

      expect(await page.evaluate('window.__pwned')).toBeUndefined();
      expect(await page.locator('.card', { hasText: '<script>window.__pwned = 1</script>' }).count()).toBe(1);
      type Styles = { getComputedStyle(el: unknown): { borderTopColor: string } }; // the test build has no DOM lib
      const border = await page.locator('.card.failed').first().evaluate((el) => (globalThis as unknown as Styles).getComputedStyle(el).borderTopColor);
      expect(border).toBe('rgb(198, 40, 40)');

      await page.fill('#q', 'cake');
      expect(await page.locator('.card:visible').count()).toBe(records.filter((r) => JSON.stringify(r.output ?? '').includes('cake')).length);
      await page.fill('#q', 'moderation');
      expect(await page.locator('#shown').textContent()).toBe('1 of 12 shown');
      await page.fill('#q', 'img_4803');
      expect(await page.locator('.card:visible .name').allTextContents()).toEqual(['IMG_4803.jpg']);
      await page.fill('#q', '');
      await page.click('button[data-show="failed"]');
      expect(await page.locator('.card:visible').count()).toBe(2);
      await page.click('button[data-show="all"]');
      expect(await page.locator('#shown').textContent()).toBe('12 of 12 shown');

      const shot = await page.screenshot({ fullPage: true, path: path.join(shots(), 'desktop.png') });
      if (process.env.UPDATE_SCREENSHOTS === '1') {
        await mkdir(path.join(REPO_ROOT, 'docs'), { recursive: true });
        await sharp(shot).png({ palette: true, compressionLevel: 9 }).toFile(path.join(REPO_ROOT, 'docs/contact-sheet.png'));
      }
      expect(requests.length).toBeGreaterThan(records.length);
      expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('fits a 390 px phone screen without sideways scrolling', async () => {
    const { page, requests, problems } = await open(390, 844);
    try {
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      const box = await page.locator('.card').first().boundingBox();
      expect(box?.width).toBeGreaterThan(300); // one card per row, not squeezed columns
      await page.screenshot({ path: path.join(shots(), 'phone.png') });
      await page.locator('.card.failed').first().scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(shots(), 'phone-cards.png') });
      expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
