import { access, copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ExifTool, type Tags } from 'exiftool-vendored';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startFakeOpenRouter, type FakeServer } from '../helpers/fake-openrouter.js';
import { jsonLines, runCli } from '../helpers/run-cli.js';
import { makeJpeg, tempDir } from '../helpers/images.js';
import { CORPUS, HAVE_CORPUS } from '../helpers/corpus.js';
import { decodedPixels, exiv2Tags, HAVE_EXIV2, jpegScanData } from '../helpers/metadata-readers.js';
import { photobatchExiftoolArgs } from '../../src/core/outputs/sidecars/index.js';

const exiftool = new ExifTool({ maxProcs: 1, exiftoolArgs: photobatchExiftoolArgs() });
afterAll(() => exiftool.end());

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const KEY = 'sk-or-v1-test';
const exists = (f: string) => access(f).then(() => true, () => false);
const env = () => ({ OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: server!.url });
const answer = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    ...extra,
    title: 'Đèn lồng đỏ ở Hội An lúc hoàng hôn',
    description: 'Ba người cầm đèn lồng đỏ trong sân lúc hoàng hôn.',
    keywords: ['đèn lồng', 'lanterns', 'Canon EOS R5', 'IMG_0001.jpg', 'festival', 'dusk'],
    category: 'Culture and Religion',
    shutterstock_categories: ['Holidays'],
  });

/** A JPEG with the photographer's own metadata: copyright, creator, GPS, keywords, a person and a place. */
async function photoWithMetadata(file: string, seed: number): Promise<string> {
  await makeJpeg(file, { width: 96, height: 64, seed });
  await exiftool.write(
    file,
    {
      Copyright: '© 2026 Lan Nguyen',
      Artist: 'Lan Nguyen',
      GPSLatitude: 15.8801,
      GPSLatitudeRef: 'N',
      GPSLongitude: 108.338,
      GPSLongitudeRef: 'E',
      'XMP-dc:Subject': ['family album'],
      'IPTC:Keywords': ['family album'],
      'XMP-iptcExt:PersonInImage': ['Minh Tran'],
      'XMP-photoshop:City': 'Hội An',
      'XMP-iptcExt:Event': 'Tết 2026',
    } as never,
    { writeArgs: ['-overwrite_original'] },
  );
  return file;
}

describe('--deliver', () => {
  it('writes copies with XMP and IPTC that ExifTool and exiv2 read back; the image data is byte-identical; a re-run pays nothing', async () => {
    server = await startFakeOpenRouter({ content: () => answer() });
    const dir = await tempDir();
    await mkdir(path.join(dir, 'day1'));
    const original = await photoWithMetadata(path.join(dir, 'day1', 'IMG_0001.jpg'), 3);
    const before = await readFile(original);
    const out = await tempDir();
    const delivery = path.join(await tempDir(), 'delivery');

    const run = await runCli(['run', dir, '-o', out, '--preset', 'stock', '--min-keywords', '3', '--lang', 'vi', '--deliver', delivery], { env: env() });
    expect(run.stderr).not.toMatch(/not delivered/);
    expect(run.code, run.stderr).toBe(0);
    const copy = path.join(delivery, 'day1', 'IMG_0001.jpg');
    const [line] = jsonLines(await readFile(path.join(out, 'results.jsonl'), 'utf8'));
    expect(line.delivered).toEqual([copy]);
    // Camera names and file names are never keywords.
    expect(line.output.keywords).toEqual(['đèn lồng', 'lanterns', 'festival', 'dusk']);

    // The original is untouched; the copy's pixels and entropy-coded data are the original's.
    expect((await readFile(original)).equals(before)).toBe(true);
    const delivered = await readFile(copy);
    expect(delivered.equals(before)).toBe(false);
    expect(jpegScanData(delivered).equals(jpegScanData(before))).toBe(true);
    expect((await decodedPixels(copy)).equals(await decodedPixels(before))).toBe(true);

    const t = (await exiftool.readRaw(copy, ['-G1', '-struct', '-a'])) as Record<string, unknown>;
    expect(t['XMP-dc:Description']).toBe('Ba người cầm đèn lồng đỏ trong sân lúc hoàng hôn.');
    // --lang vi: the language alternative beside x-default.
    expect(t['XMP-dc:Description-vi']).toBe('Ba người cầm đèn lồng đỏ trong sân lúc hoàng hôn.');
    expect(t['XMP-dc:Title']).toBe('Đèn lồng đỏ ở Hội An lúc hoàng hôn');
    expect(t['XMP-photoshop:Headline']).toBe('Đèn lồng đỏ ở Hội An lúc hoàng hôn');
    expect(t['XMP-dc:Subject']).toEqual(['family album', 'đèn lồng', 'lanterns', 'festival', 'dusk']);
    expect(t['XMP-lr:HierarchicalSubject']).toEqual(['đèn lồng', 'lanterns', 'festival', 'dusk']);
    expect(t['IPTC:Keywords']).toEqual(['family album', 'đèn lồng', 'lanterns', 'festival', 'dusk']);
    expect(t['IPTC:Caption-Abstract']).toBe('Ba người cầm đèn lồng đỏ trong sân lúc hoàng hôn.');
    expect(t['IPTC:ObjectName']).toBe('Đèn lồng đỏ ở Hội An lúc hoàng hôn');
    expect(t['IPTC:CodedCharacterSet']).toBe('UTF8');
    expect(t['XMP-photobatch:PhotobatchModel']).toBe(line.model);
    // The photographer's metadata is still there.
    expect(t['IFD0:Copyright']).toBe('© 2026 Lan Nguyen');
    expect(t['IFD0:Artist']).toBe('Lan Nguyen');
    expect(t['GPS:GPSLatitude']).toBeDefined();
    expect(t['XMP-iptcExt:PersonInImage']).toEqual(['Minh Tran']);

    // A re-run delivers again from the answer already paid for: a deleted copy comes back, for free.
    const requests = server.chatRequests().length;
    const args = ['run', dir, '-o', out, '--preset', 'stock', '--min-keywords', '3', '--lang', 'vi', '--deliver', delivery];
    await rm(copy);
    const again = await runCli(args, { env: env() });
    expect(again.code, again.stderr).toBe(0);
    expect(server.chatRequests().length).toBe(requests);
    // The same answer gives the same bytes: delivery is deterministic.
    expect((await readFile(copy)).equals(delivered)).toBe(true);
    expect(jpegScanData(await readFile(copy)).equals(jpegScanData(before))).toBe(true);
    expect(((await exiftool.read(copy)) as Tags).Title).toBe('Đèn lồng đỏ ở Hội An lúc hoàng hôn');

    // A copy the user changed afterwards is theirs: never replaced.
    await writeFile(copy, before);
    const third = await runCli(args, { env: env() });
    expect(server.chatRequests().length).toBe(requests);
    expect(third.stderr).toMatch(/changed after photobatch wrote it; not replacing it/);
    expect((await readFile(copy)).equals(before)).toBe(true);
  });

  it('never replaces a file in the delivery folder that photobatch did not create', async () => {
    server = await startFakeOpenRouter({ content: () => answer() });
    const dir = await tempDir();
    await makeJpeg(path.join(dir, 'IMG_0002.jpg'), { seed: 9 });
    const delivery = await tempDir();
    await writeFile(path.join(delivery, 'IMG_0002.jpg'), 'the client already has this one');
    const run = await runCli(['run', dir, '-o', await tempDir(), '--preset', 'stock', '--min-keywords', '3', '--deliver', delivery], { env: env() });
    expect(run.stderr).toMatch(/IMG_0002\.jpg: not delivered .*already exists and photobatch did not create it/);
    expect(await readFile(path.join(delivery, 'IMG_0002.jpg'), 'utf8')).toBe('the client already has this one');
  });

  it('needs a folder of its own, not --out', async () => {
    const dir = await tempDir();
    await makeJpeg(path.join(dir, 'a.jpg'));
    const out = await tempDir();
    const run = await runCli(['run', dir, '-o', out, '--deliver', out, '--dry-run']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--deliver needs a folder of its own/);
  });

  it.skipIf(!HAVE_EXIV2)('exiv2 reads every field of the delivered JPEG', async () => {
    server = await startFakeOpenRouter({ content: () => answer({ alt_text: 'Ba người cầm đèn lồng đỏ.' }) });
    const dir = await tempDir();
    await photoWithMetadata(path.join(dir, 'IMG_0001.jpg'), 4);
    const delivery = await tempDir();
    const run = await runCli(['run', dir, '-o', await tempDir(), '--preset', 'stock,alt-text,describe', '--min-keywords', '3', '--deliver', delivery], {
      env: { ...env() },
    });
    expect(run.code, run.stderr).toBe(0);
    const x = exiv2Tags(path.join(delivery, 'IMG_0001.jpg'));
    expect(x.get('Iptc.Envelope.CharacterSet')).toEqual(['\u001b%G']);
    expect(x.get('Iptc.Application2.Keywords')).toEqual(['family album', 'đèn lồng', 'lanterns', 'festival', 'dusk']);
    expect(x.get('Iptc.Application2.ObjectName')).toEqual(['Đèn lồng đỏ ở Hội An lúc hoàng hôn']);
    expect(x.get('Iptc.Application2.Caption')?.[0]).toMatch(/đèn lồng/);
    expect(x.get('Xmp.dc.subject')).toEqual(['family album, đèn lồng, lanterns, festival, dusk']);
    expect(x.get('Xmp.lr.hierarchicalSubject')).toEqual(['đèn lồng, lanterns, festival, dusk']);
    expect(x.get('Xmp.dc.title')).toEqual(['lang="x-default" Đèn lồng đỏ ở Hội An lúc hoàng hôn']);
    expect(x.get('Xmp.iptc.AltTextAccessibility')?.[0]).toMatch(/^lang="x-default" /);
    expect(x.get('Xmp.iptc.ExtDescrAccessibility')?.[0]).toMatch(/^lang="x-default" /);
    expect(x.get('Xmp.photoshop.Headline')).toEqual(['Đèn lồng đỏ ở Hội An lúc hoàng hôn']);
    expect(x.get('Exif.Image.Copyright')).toEqual(['© 2026 Lan Nguyen']);
    expect(x.get('Exif.GPSInfo.GPSLatitude')).toBeDefined();
  });
});

describe.skipIf(!HAVE_CORPUS)('--deliver with RAW and HEIC (real files from the corpus)', () => {
  it('copies them byte for byte and puts the results in a sidecar beside the copy, starting from the photographer’s own', async () => {
    server = await startFakeOpenRouter({ content: () => answer() });
    const dir = await tempDir();
    await copyFile(path.join(CORPUS, 'raw/jpeg-misnamed.nef'), path.join(dir, 'DSCF0001.NEF'));
    await copyFile(path.join(CORPUS, 'raw/canon_eos_6d.dng'), path.join(dir, 'canon.dng'));
    await copyFile(path.join(CORPUS, 'heic/IMG_5195.HEIC'), path.join(dir, 'IMG_5195.HEIC'));
    // Lightroom's sidecar of the RAW: develop settings and a keyword that must travel with the copy.
    await exiftool.write(path.join(dir, 'DSCF0001.xmp'), { 'XMP-crs:Exposure2012': '+0.50', 'XMP-dc:Subject': ['portfolio'] } as never);
    const delivery = await tempDir();
    const run = await runCli(['run', dir, '-o', await tempDir(), '--preset', 'stock', '--min-keywords', '3', '--deliver', delivery], { env: env() });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/not delivered/);

    for (const name of ['DSCF0001.NEF', 'IMG_5195.HEIC']) {
      expect((await readFile(path.join(delivery, name))).equals(await readFile(path.join(dir, name))), name).toBe(true);
    }
    const raw = (await exiftool.readRaw(path.join(delivery, 'DSCF0001.xmp'), ['-G1', '-a'])) as Record<string, unknown>;
    expect(raw['XMP-crs:Exposure2012']).toBe('+0.50');
    expect(raw['XMP-dc:Subject']).toEqual(['portfolio', 'đèn lồng', 'lanterns', 'festival', 'dusk']);
    expect(raw['XMP-lr:HierarchicalSubject']).toEqual(['đèn lồng', 'lanterns', 'festival', 'dusk']);
    expect(raw['XMP-dc:Title']).toBe('Đèn lồng đỏ ở Hội An lúc hoàng hôn');
    const heic = (await exiftool.readRaw(path.join(delivery, 'IMG_5195.xmp'), ['-G1', '-a'])) as Record<string, unknown>;
    expect(heic['XMP-dc:Description']).toBe('Ba người cầm đèn lồng đỏ trong sân lúc hoàng hôn.');
    // DNG is read by Lightroom from inside the file: embedded, its Camera Raw settings kept.
    const dng = (await exiftool.readRaw(path.join(delivery, 'canon.dng'), ['-G1', '-a'])) as Record<string, unknown>;
    expect(dng['XMP-dc:Title']).toBe('Đèn lồng đỏ ở Hội An lúc hoàng hôn');
    expect(dng['IPTC:ObjectName']).toBe('Đèn lồng đỏ ở Hội An lúc hoàng hôn');
    expect(dng['XMP-crs:Sharpness']).toBe(40);
    expect(await exists(path.join(delivery, 'canon.xmp'))).toBe(false);
    // The photographer's own sidecar is untouched.
    expect(((await exiftool.read(path.join(dir, 'DSCF0001.xmp'))) as Tags).Subject).toEqual(['portfolio']);
    if (HAVE_EXIV2) {
      const x = exiv2Tags(path.join(delivery, 'DSCF0001.xmp'));
      expect(x.get('Xmp.lr.hierarchicalSubject')).toEqual(['đèn lồng, lanterns, festival, dusk']);
      expect(x.get('Xmp.dc.description')).toEqual(['lang="x-default" Ba người cầm đèn lồng đỏ trong sân lúc hoàng hôn.']);
    }
  });
});
