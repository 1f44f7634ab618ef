import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ExifTool } from 'exiftool-vendored';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startFakeOpenRouter, type FakeServer } from '../helpers/fake-openrouter.js';
import { jsonLines, REPO_ROOT, runCli } from '../helpers/run-cli.js';
import { makePhotoFolder, tempDir } from '../helpers/images.js';
import { exiv2Tags, HAVE_EXIV2 } from '../helpers/metadata-readers.js';

const exiftool = new ExifTool({ maxProcs: 1 });
afterAll(() => exiftool.end());
let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const VOCAB = path.join(REPO_ROOT, 'test/fixtures/vocabulary-event.txt');

describe('--vocabulary end to end', () => {
  it('offers the terms, snaps the answer, trims past --max-keywords and writes the hierarchy into the sidecar; one request per photo', async () => {
    server = await startFakeOpenRouter({
      content: () => 'lanterns, Tet, twilight, hoi an, bokeh, smiles, grandparents, ao dai, Canon EOS R5, 2026-02-10',
    });
    const dir = await makePhotoFolder(1);
    const out = await tempDir();
    const run = await runCli(
      ['run', dir, '-o', out, '--preset', 'keywords', '--vocabulary', VOCAB, '--vocabulary-mode', 'strict', '--max-keywords', '5', '--min-keywords', '3', '--sidecar', 'xmp'],
      { env: { OPENROUTER_API_KEY: 'sk-or-v1-test', OPENROUTER_BASE_URL: server.url } },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(server.chatRequests()).toHaveLength(1);
    expect(JSON.stringify(server.chatRequests()[0]!.body.messages)).toMatch(/Prefer these terms from the photographer's keyword list when they fit: Wedding, /);
    const [line] = jsonLines(await readFile(path.join(out, 'results.jsonl'), 'utf8'));
    expect(line.output).toBe('Lantern, Lunar New Year, Dusk, Hội An, Grandparents');
    const xmp = path.join(out, 'IMG_0000.xmp');
    const t = (await exiftool.read(xmp)) as { Subject?: string[]; HierarchicalSubject?: string[] };
    expect(t.Subject).toEqual(['Lantern', 'Lunar New Year', 'Dusk', 'Hội An', 'Grandparents']);
    expect(t.HierarchicalSubject).toEqual(['Objects|Lantern', 'Events|Lunar New Year', 'Light|Dusk', 'Places|Vietnam|Hội An', 'People|Family|Grandparents']);
    if (HAVE_EXIV2) expect(exiv2Tags(xmp).get('Xmp.lr.hierarchicalSubject')![0]).toContain('Places|Vietnam|Hội An');
  });

  it('an unreadable vocabulary is a one-line usage error that says what to do', async () => {
    const bad = path.join(await tempDir(), 'kw.txt');
    await writeFile(bad, 'a\n\t\t\tb\n');
    const run = await runCli(['run', await makePhotoFolder(1), '--dry-run', '--preset', 'keywords', '--vocabulary', bad]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--vocabulary .*kw\.txt: line 2 .*Export Keywords/);
    const mode = await runCli(['run', await makePhotoFolder(1), '--dry-run', '--vocabulary-mode', 'strict']);
    expect(mode.code).toBe(2);
    expect(mode.stderr).toMatch(/--vocabulary-mode needs --vocabulary/);
  });
});

describe('reading the vocabulary file', () => {
  it('takes UTF-8 (with or without a BOM) and UTF-16 with a BOM, as Windows tools save "Unicode" text', async () => {
    const { parseDeliveryOptions } = await import('../../src/cli/delivery-options.js');
    const { resolveFlags } = await import('../../src/cli/flags/resolve.js');
    const { RUN_FLAGS } = await import('../../src/cli/flags/run-flags.js');
    const dir = await tempDir();
    const text = 'Places\n\tHội An\n\t\t{Hoi An Ancient Town}\n';
    await writeFile(path.join(dir, 'utf16.txt'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    await writeFile(path.join(dir, 'utf8.txt'), `\uFEFF${text}`);
    for (const f of ['utf16.txt', 'utf8.txt']) {
      const v = parseDeliveryOptions(resolveFlags(RUN_FLAGS, { vocabulary: f }, 'run'), dir).vocabulary!;
      expect(v.lookup('hoi an ancient town')?.path, f).toEqual(['Places', 'Hội An']);
    }
  });
});
