import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { outputText, readCurrentResults } from '../../src/core/current-results.js';
import type { ResultRecord } from '../../src/core/types.js';
import { tempDir } from '../helpers/images.js';

const rec = (file: string, status: 'ok' | 'failed', at: string, extra: Partial<ResultRecord> = {}): ResultRecord =>
  ({ file, path: `/photos/${file}`, status, job: 'j', attempts: 1, ms: 1, at, ...extra }) as ResultRecord;

async function journal(lines: (ResultRecord | string)[]): Promise<string> {
  const file = path.join(await tempDir('photobatch-journal-'), 'results.jsonl');
  await writeFile(file, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n'));
  return file;
}

describe('readCurrentResults', () => {
  it('keeps the latest line per photo, skips torn and foreign lines, and sorts by path', async () => {
    const file = await journal([
      rec('b.jpg', 'failed', '2026-01-01T10:00:00.000Z', { error: { kind: 'server', http_status: 502, message: 'down' } }),
      rec('a.jpg', 'ok', '2026-01-01T10:00:01.000Z', { output: 'first' }),
      '{"not":"a record"}',
      rec('b.jpg', 'ok', '2026-01-01T11:00:00.000Z', { output: 'fixed' }),
      rec('a.jpg', 'failed', '2026-01-01T11:00:01.000Z', { error: { kind: 'timeout', http_status: null, message: 'slow' } }),
      '{"file":"c.jpg","path":"/photos/c.jp', // torn by a kill -9
    ]);
    const current = await readCurrentResults(file);
    expect(current.map((r) => [r.file, r.status])).toEqual([['a.jpg', 'failed'], ['b.jpg', 'ok']]);
    expect(outputText(current[0]!)).toBe('timeout: slow');
    expect(outputText(current[1]!)).toBe('fixed');
  });

  it('merges folders by time, not by the order they are given; a missing file is empty', async () => {
    const newer = await journal([rec('a.jpg', 'ok', '2026-02-01T00:00:00.000Z', { output: { caption: 'new', keywords: ['x'] } })]);
    const older = await journal([rec('a.jpg', 'failed', '2026-01-01T00:00:00.000Z')]);
    const current = await readCurrentResults([newer, older, '/nonexistent/results.jsonl']);
    expect(current).toHaveLength(1);
    expect(outputText(current[0]!)).toBe('{"caption":"new","keywords":["x"]}');
  });

  it('keeps an answer on one line', () => {
    expect(outputText(rec('a.jpg', 'ok', 'x', { output: 'two\tparts\nand a line' }))).toBe('two parts and a line');
  });
});
