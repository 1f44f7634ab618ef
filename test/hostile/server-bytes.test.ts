/**
 * Every byte from the server is untrusted. Each test says what the user sees, and checks that what
 * was paid for is kept and nothing leaks or crashes.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { answer, sendBilled, startHostileServer, type HostileServer } from './hostile-server.js';
import { jsonLines, runCli } from '../helpers/run-cli.js';
import { makeJpeg, makePhotoFolder, tempDir } from '../helpers/images.js';

const KEY = 'sk-or-v1-' + '5eed'.repeat(16);
/** The key as a server could echo it inside JSON: every character a \u escape, or just the first. */
const ESCAPED_ALL = [...KEY].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
const ESCAPED_FIRST = `\\u0073${KEY.slice(1)}`;

let server: HostileServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const env = () => ({ OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: server!.url });
const readOut = async (out: string) => {
  const files: Record<string, string> = {};
  const walk = async (dir: string) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (!e.name.endsWith('.jpg')) files[path.relative(out, p)] = await readFile(p, 'utf8');
    }
  };
  await walk(out);
  return files;
};
const results = async (out: string) => jsonLines(await readFile(path.join(out, 'results.jsonl'), 'utf8'));
const leaks = (text: string) => [KEY, KEY.slice(9, 40), ESCAPED_FIRST, ESCAPED_ALL, '\\u0073k-or'].filter((k) => text.includes(k));

describe('hostile server: secrets', () => {
  it('a key echoed with JSON escapes (\\u0073k-or-…) in answers and errors appears nowhere: files, stdout, stderr', async () => {
    // Photo 1: the answer quotes the key escaped; photo 2: a 400 whose message quotes it escaped.
    server = await startHostileServer((res, n, s) => {
      if (n === 1) return sendBilled(res, s, answer('x').replace('"content":"x"', `"content":"Your key is ${ESCAPED_FIRST} and ${ESCAPED_ALL}"`));
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(`{"error":{"code":400,"message":"Invalid request for key ${ESCAPED_ALL}","metadata":{"raw":"${ESCAPED_FIRST}"}}}`);
    });
    const dir = await makePhotoFolder(2);
    const out = await tempDir();
    const run = await runCli(['run', dir, '-o', out, '-c', '1', '--json', '--retries', '0', '--sidecar', 'json', '--sidecar', 'txt'], { env: env() });

    // The user sees one answer with the key shortened to its prefix, and one failure.
    expect(run.code).toBe(3);
    const lines = await results(out);
    expect(lines.find((l) => l.status === 'ok').output).toMatch(/Your key is sk-or-v1-5ee… and sk-or-v1-5ee…/);
    for (const [name, text] of Object.entries({ stdout: run.stdout, stderr: run.stderr, ...(await readOut(out)) })) {
      expect(leaks(text), name).toEqual([]);
    }
  });

  it('usage errors that echo an argument never show a key given there', async () => {
    for (const args of [['run', '.', '--sidecar', KEY], ['run', '.', '--concurrency', KEY], ['run', KEY], ['run', `--api-key=${KEY}`, '--max-cost', 'x', '.']]) {
      const run = await runCli(args, { env: {} });
      expect(run.code, args.join(' ')).toBe(2);
      expect(leaks(run.stderr + run.stdout), args.join(' ')).toEqual([]);
    }
  });
});

describe('hostile server: size, time, shape', () => {
  it('an endless response body is cut at 64 MiB: that photo fails with a one-line reason, the others are answered', async () => {
    server = await startHostileServer((res, n, s) => {
      if (n !== 1) return sendBilled(res, s, answer('A normal caption'));
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(1 << 20, 0x20);
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      res.write('{"id":"gen-endless","choices":[{"message":{"content":"');
      pump();
    });
    const dir = await makePhotoFolder(3);
    const out = await tempDir();
    const run = await runCli(['run', dir, '-o', out, '-c', '1', '--retries', '0'], { env: env() });

    expect(run.code).toBe(3);
    const lines = await results(out);
    expect(lines.filter((l) => l.status === 'ok')).toHaveLength(2);
    const failed = lines.find((l) => l.status === 'failed');
    expect(failed.error.message).toMatch(/larger than 64 MiB; it was not read/);
    expect(server.chats).toBe(3); // not retried: a retry would be billed again
  });

  it('a declared 1 GiB body is refused before it is read', async () => {
    server = await startHostileServer((res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(1 << 30) });
      res.write('{');
    });
    const dir = await makePhotoFolder(1);
    const out = await tempDir();
    const run = await runCli(['run', dir, '-o', out, '--retries', '0'], { env: env() });
    expect(run.code).toBe(3);
    expect((await results(out))[0].error.message).toMatch(/larger than 64 MiB/);
  });

  it('a server that dribbles one byte a second is cut at --timeout; nothing hangs', async () => {
    server = await startHostileServer((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const t = setInterval(() => (res.destroyed ? clearInterval(t) : res.write(' ')), 200);
      res.on('close', () => clearInterval(t));
    });
    const dir = await makePhotoFolder(1);
    const out = await tempDir();
    const run = await runCli(['run', dir, '-o', out, '--retries', '0', '--timeout', '1'], { env: env() });
    expect(run.code).toBe(3);
    expect((await results(out))[0].error.kind).toBe('timeout');
  });

  it('a 100,000-deep JSON answer with --preset is a failed photo with its cost kept, never a crash; reports are written', async () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    // The envelope itself carries a 100,000-deep field too (built as text: JSON.stringify would overflow).
    const deepField = '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000);
    server = await startHostileServer((res, _n, s) =>
      sendBilled(res, s, answer(`{"caption": ${deep}, "keywords": ["a"]}`).replace(/}$/, `,"provider_metadata":${deepField}}`)),
    );
    const dir = await makePhotoFolder(1);
    const out = await tempDir();
    const run = await runCli(['run', dir, '-o', out, '--preset', 'caption,keywords'], { env: env() });

    expect(run.code).toBe(3);
    expect(run.stderr).not.toMatch(/a bug|Maximum call stack/);
    const [line] = await results(out);
    expect(line.status).toBe('failed');
    expect(line.error.kind).toBe('invalid_output');
    expect(line.error.message).toMatch(/nested deeper than 64 levels/);
    // Asked twice (the re-ask), both billed, both in the bill.
    expect(line.usage.cost_usd).toBeCloseTo(server.billed * 0.0001, 10);
    const rep = JSON.parse(await readFile(path.join(out, 'cost-report.json'), 'utf8'));
    expect(rep.cost_usd.billed).toBeCloseTo(server.billed * 0.0001, 10);
    expect(await readFile(path.join(out, 'report.html'), 'utf8')).toContain('invalid_output');
  });

  it('a plain-text answer that is itself deep JSON renders in report.html as text', async () => {
    server = await startHostileServer((res, _n, s) => sendBilled(res, s, answer('{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000))));
    const dir = await makePhotoFolder(1);
    const out = await tempDir();
    const run = await runCli(['run', dir, '-o', out], { env: env() });
    expect(run.code).toBe(0);
    // Shown as the text it is, not walked as a structure.
    expect(await readFile(path.join(out, 'report.html'), 'utf8')).toContain('{&quot;a&quot;:{&quot;a&quot;:');
  });

  it('keys named __proto__ in the answer and a model called __proto__ are plain data', async () => {
    server = await startHostileServer((res, _n, s) =>
      sendBilled(res, s, answer('{"__proto__": {"polluted": "yes"}, "caption": "Cô dâu và chú rể", "keywords": ["wedding"]}', { model: '__proto__' })),
    );
    const dir = await makePhotoFolder(2);
    const out = await tempDir();
    const schema = path.join(out, '..', `schema-${path.basename(out)}.json`);
    await writeFile(schema, JSON.stringify({ type: 'object', properties: { caption: { type: 'string' } }, required: ['caption'] }));
    const run = await runCli(['run', dir, '-o', out, '--schema', schema, '--sidecar', 'json'], { env: env() });

    expect(run.code).toBe(0);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).photos).toBeUndefined();
    const rep = JSON.parse(await readFile(path.join(out, 'cost-report.json'), 'utf8'));
    expect(Object.getOwnPropertyDescriptor(rep.by_model, '__proto__')?.value).toEqual({ photos: 2, cost_usd: 0.0002 });
    expect((await results(out))[0].output.caption).toBe('Cô dâu và chú rể');
  });
});

describe('hostile server: what reaches the terminal and the spreadsheet', () => {
  it('escape sequences in answers, model names and file names never reach stderr; stdout JSON escapes them', async () => {
    const evil = '\u001b]0;owned\u0007\u001b[2J\u009b31m\u202eevil';
    server = await startHostileServer((res, n, s) => {
      if (n === 1) return sendBilled(res, s, answer(`caption ${evil}`, { model: `fake/model${evil}` }));
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 400, message: `bad ${evil}` } }));
    });
    const dir = await tempDir();
    await makeJpeg(path.join(dir, `a${evil}.jpg`), { seed: 1 });
    await makeJpeg(path.join(dir, 'b.jpg'), { seed: 2 });
    const out = await tempDir();
    const run = await runCli(['run', dir, '-o', out, '-c', '1', '--json', '--retries', '0'], { env: env() });

    expect(run.code).toBe(3);
    // What the user sees: the summary and the failure, with the controls shown as \u001b etc.
    expect(run.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/);
    expect(run.stderr).toContain('\\u001b');
    expect(run.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/);
    // The data itself is intact for jq.
    const ok = jsonLines(run.stdout).find((l) => l.status === 'ok');
    expect(ok.output).toBe(`caption ${evil}`);
  });

  it('a redirect is reported for what it is and not followed', async () => {
    server = await startHostileServer((res) => {
      res.writeHead(307, { location: 'https://collector.example/steal?k=1' });
      res.end();
    });
    const dir = await makePhotoFolder(1);
    const out = await tempDir();
    const run = await runCli(['run', dir, '-o', out, '--retries', '0'], { env: env() });
    expect(run.code).toBe(3);
    expect((await results(out))[0].error.message).toMatch(/redirect \(HTTP 307\) to https:\/\/collector\.example\/steal\?k=1; photobatch does not follow redirects/);
  });

  it('a plain-http base URL off this machine is refused before anything is sent; loopback is fine', async () => {
    const dir = await makePhotoFolder(1);
    const run = await runCli(['run', dir, '-o', await tempDir()], { env: { OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: 'http://192.0.2.10:8080/api/v1' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/Refusing the plain-http base URL http:\/\/192\.0\.2\.10:8080.*--allow-insecure-http/);
  });
});
