/** The small pieces the hostile suite leans on, each against the input that broke a promise before. */
import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scrubSecrets, scrubValue } from '../../src/core/send/openrouter/redact.js';
import { parseJsonData, checkBaseUrl } from '../../src/core/send/openrouter/untrusted-body.js';
import { deeperThan } from '../../src/core/safety/json-depth.js';
import { fitFileName } from '../../src/core/safety/file-names.js';
import { acquireOutLock, OutDirLockedError } from '../../src/core/safety/out-lock.js';
import { csvCell } from '../../src/core/outputs/report-files.js';
import { jsonLine, terminalSafe, terminalSafeLine } from '../../src/cli/terminal-text.js';
import { tempDir } from '../helpers/images.js';

const KEY = 'sk-or-v1-' + '0123456789abcdef'.repeat(4);

describe('secrets', () => {
  it('are scrubbed in decoded text, in still-escaped JSON text (any hex case), and in keys of decoded objects', () => {
    const escaped = [...KEY].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}`).join('');
    expect(scrubSecrets(`a ${KEY} b`, KEY)).toBe('a sk-or-v1-012… b');
    expect(scrubSecrets(`a ${escaped} b`, KEY)).toBe('a sk-or-v1-012… b');
    expect(scrubSecrets(`a \\u0073k-or-v1-${'ab'.repeat(20)} b`)).toBe('a sk-or-v1-aba… b');
    const decoded = JSON.parse(`{"${escaped}": ["x \\u0073${KEY.slice(1)}"], "deep": [[[{"k": "${KEY}"}]]]}`);
    const text = JSON.stringify(scrubValue(decoded, KEY));
    expect(text).not.toContain(KEY);
    expect(text).toContain('sk-or-v1-012…');
  });

  it('a custom (non sk-or) key is scrubbed only when known, never a short word', () => {
    expect(scrubSecrets('token=lm-studio-secret-42', 'lm-studio-secret-42')).toBe('token=lm-stu…');
    expect(scrubSecrets('the cat sat', 'cat')).toBe('the cat sat');
  });
});

describe('untrusted JSON', () => {
  it('any depth parses; deeper than 64 levels becomes null, walked without recursion', () => {
    const deep = parseJsonData('{"a":'.repeat(200_000) + '1' + '}'.repeat(200_000)) as Record<string, unknown>;
    expect(deeperThan(deep)).toBe(false);
    expect(() => JSON.stringify(deep)).not.toThrow();
    const proto = parseJsonData('{"__proto__": {"x": 1}}') as Record<string, unknown>;
    expect(Object.keys(proto)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('plain http is refused off this machine unless allowed; https and loopback are fine', () => {
    expect(() => checkBaseUrl('http://10.0.0.5:11434/v1', false)).toThrow(/Refusing the plain-http base URL/);
    expect(() => checkBaseUrl('http://10.0.0.5:11434/v1', true)).not.toThrow();
    for (const ok of ['https://openrouter.ai/api/v1', 'http://127.0.0.1:1234/v1', 'http://localhost:11434/v1', 'http://[::1]:8000/v1']) {
      expect(() => checkBaseUrl(ok, false), ok).not.toThrow();
    }
    expect(() => checkBaseUrl('file:///etc/passwd', true)).toThrow(/must be https/);
  });
});

describe('what is printed', () => {
  it('terminal text shows controls as \\uXXXX; one-line text has no line breaks; JSON stays the same data', () => {
    const evil = 'a\u001b[2Jb\u009bc\u202ed\ne\rf';
    expect(terminalSafe(evil)).toBe('a\\u001b[2Jb\\u009bc\\u202ed\ne\\u000df');
    expect(terminalSafeLine(evil)).toBe('a\\u001b[2Jb\\u009bc\\u202ed e f');
    expect(JSON.parse(jsonLine({ evil }))).toEqual({ evil });
    expect(jsonLine({ evil })).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
  });

  it('CSV cells: formulas get an apostrophe, quotes are doubled, numbers stay numbers', () => {
    expect(csvCell('=cmd|" /C calc"!A0')).toBe(`"'=cmd|"" /C calc""!A0"`);
    expect(csvCell('@SUM(1)')).toBe("'@SUM(1)");
    expect(csvCell('Nguyễn, Ánh')).toBe('"Nguyễn, Ánh"');
    expect(csvCell(-3)).toBe('-3');
  });

  it('file names longer than 255 bytes are shortened on a character boundary, distinct, with the suffix kept', () => {
    const a = fitFileName('ảnh'.repeat(100) + 'A', '.xmp');
    const b = fitFileName('ảnh'.repeat(100) + 'B', '.xmp');
    expect(Buffer.byteLength(a)).toBeLessThanOrEqual(255);
    expect(a.endsWith('.xmp')).toBe(true);
    expect(a).not.toBe(b);
    expect(a).not.toContain('\uFFFD');
    expect(fitFileName('IMG_1', '.xmp')).toBe('IMG_1.xmp');
  });
});

describe('the out-folder lock', () => {
  it('a torn lock file (a crash while writing it) is stale after 10 s, not forever', async () => {
    const out = await tempDir();
    writeFileSync(path.join(out, '.photobatch.lock'), '{"pid":');
    await expect(acquireOutLock(out)).rejects.toBeInstanceOf(OutDirLockedError);
    const old = Date.now() / 1000 - 60;
    utimesSync(path.join(out, '.photobatch.lock'), old, old);
    const lock = await acquireOutLock(out);
    lock.release();
  });

  it.skipIf(process.platform !== 'linux')('a PID reused by a process younger than the lock (after a crash and reboot) does not hold it', async () => {
    const out = await tempDir();
    const stranger = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const lockFile = path.join(out, '.photobatch.lock');
      // Same live PID, lock taken while it was running: held.
      writeFileSync(lockFile, JSON.stringify({ pid: stranger.pid, host: os.hostname(), started: new Date(Date.now() + 1000).toISOString() }));
      await expect(acquireOutLock(out)).rejects.toThrow(/in use by process/);
      // Lock taken an hour before that process started: stale.
      writeFileSync(lockFile, JSON.stringify({ pid: stranger.pid, host: os.hostname(), started: new Date(Date.now() - 3600_000).toISOString() }));
      (await acquireOutLock(out)).release();
    } finally {
      stranger.kill('SIGKILL');
    }
  });

  it('a live holder makes a second run fail at once, or with waitMs wait until the holder is done', async () => {
    const out = path.join(await tempDir(), 'nested', 'out');
    mkdirSync(out, { recursive: true });
    const first = await acquireOutLock(out);
    // The holder as another live process would write it.
    writeFileSync(first.file, JSON.stringify({ pid: 1, host: os.hostname(), started: 'x' }));
    const other = { isAlive: () => true, pollMs: 20 };
    await expect(acquireOutLock(out, other)).rejects.toThrow(/in use by process 1 on /);
    const waiting = acquireOutLock(out, { ...other, waitMs: 5000 });
    setTimeout(() => rmSync(first.file, { force: true }), 100);
    const second = await waiting;
    second.release();
    await expect(acquireOutLock(out, { ...other, waitMs: 50 })).resolves.toBeDefined();
  });
});
