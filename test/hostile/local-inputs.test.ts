/**
 * Hostile local input: FIFOs, devices, sockets, huge sparse files, names that collide or are not
 * UTF-8, the user's own files where outputs would go. Each test says what the user sees, and checks
 * that every normal photo is answered and no file photobatch did not create is written.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync, truncateSync, symlinkSync, statSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOpenRouter, type FakeServer } from '../helpers/fake-openrouter.js';
import { jsonLines, runCli } from '../helpers/run-cli.js';
import { makeJpeg, tempDir } from '../helpers/images.js';
import { readInputFile } from '../../src/core/images/read-input.js';
import { ExifTool } from 'exiftool-vendored';

const KEY = 'sk-or-v1-' + 'c0de'.repeat(16);
let server: FakeServer | undefined;
const sockets: net.Server[] = [];
afterEach(async () => {
  await server?.close();
  server = undefined;
  for (const s of sockets.splice(0)) s.close();
});
const env = () => ({ OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: server!.url });
const results = async (out: string) => jsonLines(await readFile(path.join(out, 'results.jsonl'), 'utf8'));
const sha = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');

/** A folder with two good photos and every kind of file that must not be read as one. */
async function hostileFolder(): Promise<string> {
  const dir = await tempDir('photobatch-hostile-');
  await makeJpeg(path.join(dir, 'good1.jpg'), { seed: 1 });
  await makeJpeg(path.join(dir, 'good2.jpg'), { seed: 2 });
  execFileSync('mkfifo', [path.join(dir, 'fifo.jpg')]);
  symlinkSync('/dev/zero', path.join(dir, 'zero.jpg'));
  symlinkSync(path.join(dir, 'nowhere.jpg'), path.join(dir, 'broken.jpg'));
  const sock = net.createServer();
  await new Promise<void>((resolve) => sock.listen(path.join(dir, 'sock.jpg'), resolve));
  sockets.push(sock);
  // 600 MiB, sparse: takes no disk, but would take 600 MiB of memory if read.
  writeFileSync(path.join(dir, 'huge.jpg'), '');
  truncateSync(path.join(dir, 'huge.jpg'), 600 * 1024 * 1024);
  // A name that is not valid UTF-8 (Latin-1 "é"), as old cameras and Windows zips produce.
  writeFileSync(Buffer.concat([Buffer.from(dir + '/caf'), Buffer.from([0xe9]), Buffer.from('.jpg')]), await readFile(path.join(dir, 'good1.jpg')));
  return dir;
}

describe('hostile local input', () => {
  it('a FIFO as --prompt-file, /dev/zero as --vocabulary and a huge --schema are one-line usage errors; nothing hangs', async () => {
    const dir = await tempDir();
    await makeJpeg(path.join(dir, 'a.jpg'), { width: 64, height: 48 });
    execFileSync('mkfifo', [path.join(dir, 'prompt.fifo')]);
    symlinkSync('/dev/zero', path.join(dir, 'words.txt'));
    writeFileSync(path.join(dir, 'schema.json'), '');
    truncateSync(path.join(dir, 'schema.json'), 17 * 1024 * 1024);
    const fifo = await runCli(['run', dir, '--dry-run', '--prompt-file', path.join(dir, 'prompt.fifo')]);
    expect(fifo.code).toBe(2);
    expect(fifo.stderr).toMatch(/--prompt-file .*prompt\.fifo is not a regular file/);
    const zero = await runCli(['run', dir, '--dry-run', '--vocabulary', path.join(dir, 'words.txt')]);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/--vocabulary .*words\.txt is not a regular file/);
    const huge = await runCli(['run', dir, '--dry-run', '--schema', path.join(dir, 'schema.json')]);
    expect(huge.code).toBe(2);
    expect(huge.stderr).toMatch(/--schema .*schema\.json is 17 MiB, above the 16 MiB limit/);
  });

  it('FIFOs, devices, sockets, broken links and non-UTF-8 names get one line each; a 600 MiB file is refused unread; nothing hangs', async () => {
    server = await startFakeOpenRouter();
    const dir = await hostileFolder();
    const out = await tempDir();
    const run = await runCli(['run', dir, '-o', out], { env: env() });

    // What the user sees: one "Skipped" line per strange entry, and a failed line for the huge file.
    expect(run.stderr).toMatch(/Skipped fifo\.jpg: not a regular file \(a named pipe\)/);
    expect(run.stderr).toMatch(/Skipped zero\.jpg: not a regular file \(a character device\)/);
    expect(run.stderr).toMatch(/Skipped sock\.jpg: not a regular file \(a socket\)/);
    expect(run.stderr).toMatch(/Skipped broken\.jpg: a broken symbolic link/);
    expect(run.stderr).toMatch(/Skipped caf\uFFFD\.jpg: the name is not valid UTF-8/);
    expect(run.code).toBe(3);
    const lines = await results(out);
    expect(lines.filter((l) => l.status === 'ok').map((l) => l.file).sort()).toEqual(['good1.jpg', 'good2.jpg']);
    const huge = lines.find((l) => l.file === 'huge.jpg');
    expect(huge.error).toMatchObject({ kind: 'too_large' });
    expect(huge.error.message).toMatch(/600 MiB, above the 512 MiB limit/);
    expect(server.chatRequests()).toHaveLength(2);

    // The dry run reads headers of the same folder: no hang either.
    const dry = await runCli(['run', dir, '--dry-run', '-o', await tempDir()], { env: {} });
    expect(dry.code).toBe(0);
  });

  it('reading refuses what is not a regular file at the moment it is opened (a photo swapped for a FIFO or /dev/zero after the scan)', async () => {
    const dir = await tempDir();
    execFileSync('mkfifo', [path.join(dir, 'late.jpg')]);
    await expect(readInputFile(path.join(dir, 'late.jpg'))).rejects.toThrow(/Not a regular file \(a named pipe\)/);
    await expect(readInputFile('/dev/zero')).rejects.toThrow(/Not a regular file \(a character device\)/);
    await expect(readInputFile(path.join(dir, 'gone.jpg'))).rejects.toThrow(/disappeared before it was read/);
    const small = await makeJpeg(path.join(dir, 'ok.jpg'));
    await expect(readInputFile(small, 10)).rejects.toThrow(/above the 0\.0 MiB limit/);
    expect((await readInputFile(small)).equals(await readFile(small))).toBe(true);
  });

  it('a file still being written (a card copy in progress) fails with "changed while it was read", not as a half photo', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'copying.jpg');
    writeFileSync(file, Buffer.alloc(32 * 1024 * 1024, 0xff));
    // Another process keeps appending, as a copy from a memory card does.
    const writer = spawn('sh', ['-c', `while :; do printf xxxxxxxx >> "${file}"; done`], { stdio: 'ignore' });
    try {
      const outcomes: string[] = [];
      for (let i = 0; i < 5; i++) outcomes.push(await readInputFile(file).then(() => 'read', (err: Error) => err.message));
      expect(outcomes).toContain('The file changed while it was read (still being copied?); re-run when it is complete');
      expect(outcomes.every((o) => o === 'read' || /changed while it was read/.test(o))).toBe(true);
    } finally {
      writer.kill('SIGKILL');
    }
  });

  it('stdin lists: -0 takes NUL-separated names (newlines inside names too); a missing or strange entry is skipped, never the whole list', async () => {
    server = await startFakeOpenRouter();
    const dir = await tempDir();
    const a = await makeJpeg(path.join(dir, 'line\nbreak.jpg'), { seed: 1 });
    const b = await makeJpeg(path.join(dir, ' leading space.jpg'), { seed: 2 });
    execFileSync('mkfifo', [path.join(dir, 'pipe.jpg')]);
    const list = [a, path.join(dir, 'missing.jpg'), path.join(dir, 'pipe.jpg'), b].join('\0') + '\0';
    const out = await tempDir();
    const run = await runCli(['run', '-', '-0', '-o', out], { env: env(), stdin: list });

    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/Skipped .*missing\.jpg: not found/);
    expect(run.stderr).toMatch(/Skipped .*pipe\.jpg: not a regular file \(a named pipe\)/);
    expect((await results(out)).map((l) => l.file).sort()).toEqual([' leading space.jpg', 'line\nbreak.jpg']);
  });
});

describe('output names and the user\'s files', () => {
  it('same name on two cards, same stem with two extensions, a 250-byte name: every photo gets its own sidecars and its own answer in them', async () => {
    server = await startFakeOpenRouter({ content: (req) => `Caption number ${req.n}` });
    const root = await tempDir();
    mkdirSync(path.join(root, 'cardA'));
    mkdirSync(path.join(root, 'cardB'));
    await makeJpeg(path.join(root, 'cardA', 'IMG_1.jpg'), { seed: 1 });
    await makeJpeg(path.join(root, 'cardB', 'IMG_1.jpg'), { seed: 2 });
    await makeJpeg(path.join(root, 'cardA', 'IMG_2.jpg'), { seed: 3 });
    await (await import('sharp')).default({ create: { width: 8, height: 8, channels: 3, background: '#0f0' } }).png().toFile(path.join(root, 'cardA', 'IMG_2.png'));
    const long = `${'ảnh-cưới-'.repeat(17)}x.jpg`; // 250 bytes in UTF-8
    expect(Buffer.byteLength(long)).toBeGreaterThan(240);
    await makeJpeg(path.join(root, 'cardB', long), { seed: 5 });
    const out = await tempDir();
    const run = await runCli(['run', path.join(root, 'cardA'), path.join(root, 'cardB'), '-o', out, '-c', '1', '--sidecar', 'json', '--sidecar', 'txt'], { env: env() });

    expect(run.code).toBe(0);
    const lines = await results(out);
    expect(lines).toHaveLength(5);
    expect(new Set(lines.map((l) => l.file)).size).toBe(5);
    const sidecars = lines.flatMap((l) => l.sidecars);
    expect(new Set(sidecars).size, JSON.stringify(lines.map((l) => [l.file, l.sidecars, l.sidecar_error]))).toBe(10);
    for (const l of lines) {
      for (const file of l.sidecars) {
        const text = await readFile(file, 'utf8');
        expect(text, `${l.file} → ${file}`).toContain(l.output);
        expect(Buffer.byteLength(path.basename(file))).toBeLessThanOrEqual(255);
      }
    }
  });

  it('--sidecar-in-place never writes over the user\'s own .txt, keeps hand-written JSON fields, and replaces them only with --overwrite', async () => {
    server = await startFakeOpenRouter({ content: (req) => `Model caption ${req.n}` });
    const dir = await tempDir();
    const photo = await makeJpeg(path.join(dir, 'IMG_3.jpg'), { seed: 9 });
    const photoSha = await sha(photo);
    await writeFile(path.join(dir, 'IMG_3.txt'), 'my own notes about this shot\n');
    await writeFile(path.join(dir, 'IMG_3.json'), JSON.stringify({ caption: 'Written by hand', rating: 5 }));
    const out = await tempDir();
    const args = ['run', dir, '-o', out, '--sidecar', 'txt', '--sidecar', 'json', '--sidecar-in-place'];
    const first = await runCli(args, { env: env() });

    // What the user sees: the answer is saved, the .txt is left alone with a warning saying why.
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/IMG_3\.txt exists and photobatch did not create it; not replacing it/);
    expect(await readFile(path.join(dir, 'IMG_3.txt'), 'utf8')).toBe('my own notes about this shot\n');
    expect(JSON.parse(await readFile(path.join(dir, 'IMG_3.json'), 'utf8'))).toMatchObject({ caption: 'Written by hand', rating: 5 });
    expect((await results(out))[0]).toMatchObject({ status: 'ok', output: 'Model caption 1' });

    const forced = await runCli([...args, '--force', '--overwrite'], { env: env() });
    expect(forced.code).toBe(0);
    expect(await readFile(path.join(dir, 'IMG_3.txt'), 'utf8')).toBe('Model caption 2\n');
    expect(JSON.parse(await readFile(path.join(dir, 'IMG_3.json'), 'utf8'))).toMatchObject({ caption: 'Model caption 2', rating: 5 });

    // Now the caption is photobatch's: a later run replaces it without --overwrite, unless the user edits it again.
    await runCli([...args, '--force'], { env: env() });
    expect(await readFile(path.join(dir, 'IMG_3.txt'), 'utf8')).toBe('Model caption 3\n');
    await writeFile(path.join(dir, 'IMG_3.txt'), 'edited again by hand\n');
    const edited = await runCli([...args, '--force'], { env: env() });
    expect(edited.stderr).toMatch(/IMG_3\.txt was edited since photobatch wrote it; kept/);
    expect(await readFile(path.join(dir, 'IMG_3.txt'), 'utf8')).toBe('edited again by hand\n');
    expect(await sha(photo)).toBe(photoSha);
  });

  it('an XMP sidecar the user (or Lightroom) wrote keeps its caption; keywords are added; --overwrite replaces the caption', async () => {
    server = await startFakeOpenRouter({ content: () => JSON.stringify({ caption: 'Model caption', keywords: ['wedding', 'bride', 'rings', 'confetti', 'church'] }) });
    const dir = await tempDir();
    await makeJpeg(path.join(dir, 'IMG_7.jpg'), { seed: 7 });
    const xmp = path.join(dir, 'IMG_7.xmp');
    const et = new ExifTool({ maxProcs: 1 });
    try {
      await et.write(xmp, { 'XMP-dc:Description': 'Anh và chị, written by hand', 'XMP-dc:Subject': ['family'] } as never, { writeArgs: ['-overwrite_original'] });
      const out = await tempDir();
      const args = ['run', dir, '-o', out, '--preset', 'caption,keywords', '--sidecar', 'xmp', '--sidecar-in-place'];
      expect((await runCli(args, { env: env() })).code).toBe(0);
      let tags = (await et.read(xmp)) as Record<string, unknown>;
      expect(tags.Description).toBe('Anh và chị, written by hand');
      expect(tags.Subject).toEqual(['family', 'wedding', 'bride', 'rings', 'confetti', 'church']);

      expect((await runCli([...args, '--force', '--overwrite'], { env: env() })).code).toBe(0);
      tags = (await et.read(xmp)) as Record<string, unknown>;
      expect(tags.Description).toBe('Model caption');
      expect(tags.Subject).toEqual(['family', 'wedding', 'bride', 'rings', 'confetti', 'church']);
    } finally {
      await et.end();
    }
  });

  it('--sidecar accepts only xmp, json, txt: `--sidecar jpg --sidecar-in-place` is a usage error and the photo is untouched', async () => {
    const dir = await tempDir();
    const photo = await makeJpeg(path.join(dir, 'IMG_1.jpg'));
    const before = statSync(photo).mtimeMs;
    const run = await runCli(['run', dir, '--sidecar', 'jpg', '--sidecar-in-place', '--dry-run'], { env: {} });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/argument 'jpg' is invalid\. Allowed choices are xmp, json, txt/);
    expect(statSync(photo).mtimeMs).toBe(before);
  });

  it('--out pointing at a folder with the user\'s own report.html and cost-report.csv leaves them alone, and says so', async () => {
    server = await startFakeOpenRouter();
    const dir = await tempDir();
    await makeJpeg(path.join(dir, 'a.jpg'));
    const out = await tempDir();
    await writeFile(path.join(out, 'report.html'), '<p>my wedding site</p>');
    await writeFile(path.join(out, 'cost-report.csv'), 'invoice,amount\n');
    const run = await runCli(['run', dir, '-o', out], { env: env() });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/report\.html exists and photobatch did not write it; not replacing it/);
    expect(await readFile(path.join(out, 'report.html'), 'utf8')).toBe('<p>my wedding site</p>');
    expect(await readFile(path.join(out, 'cost-report.csv'), 'utf8')).toBe('invoice,amount\n');
    expect((await readdir(out)).sort()).toContain('cost-report.json');
  });

  it('the out folder reached through a symlink inside the input folder is never scanned as input', async () => {
    server = await startFakeOpenRouter();
    const dir = await tempDir();
    await makeJpeg(path.join(dir, 'a.jpg'), { seed: 1 });
    const realOut = path.join(dir, 'results');
    mkdirSync(realOut);
    await makeJpeg(path.join(realOut, 'left-over.jpg'), { seed: 2 });
    const linkParent = await tempDir();
    symlinkSync(dir, path.join(linkParent, 'event'));
    // Input through the link, --out by its real path.
    const run = await runCli(['run', path.join(linkParent, 'event'), '-o', realOut], { env: env() });
    expect(run.code).toBe(0);
    expect((await results(realOut)).map((l) => l.file)).toEqual(['a.jpg']);
  });
});
