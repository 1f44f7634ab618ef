import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { currentResults, outputText } from '../../src/core/record/current-results.js';
import type { ResultRecord } from '../../src/core/types.js';
import { tempDir } from '../helpers/images.js';

const rec = (file: string, status: 'ok' | 'failed', at: string, extra: Partial<ResultRecord> = {}): ResultRecord =>
  ({ file, path: `/photos/${file}`, status, job: 'j', attempts: 1, ms: 1, at, ...extra }) as ResultRecord;

async function outDir(lines: (ResultRecord | string)[]): Promise<string> {
  const dir = await tempDir('photobatch-journal-');
  await writeFile(path.join(dir, 'results.jsonl'), lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n'));
  return dir;
}
const all = async (dirs: string[]) => {
  const out: ResultRecord[] = [];
  for await (const r of currentResults(dirs)) out.push(r);
  return out;
};

describe('currentResults', () => {
  it('a later answer replaces a failure, a later failure does not undo an answer, torn and foreign lines are skipped', async () => {
    const dir = await outDir([
      rec('b.jpg', 'failed', '2026-01-01T10:00:00.000Z', { error: { kind: 'server', http_status: 502, message: 'down' } }),
      rec('a.jpg', 'ok', '2026-01-01T10:00:01.000Z', { output: 'first' }),
      '{"not":"a record"}',
      rec('b.jpg', 'ok', '2026-01-01T11:00:00.000Z', { output: 'fixed' }),
      rec('a.jpg', 'failed', '2026-01-01T11:00:01.000Z', { error: { kind: 'timeout', http_status: null, message: 'slow' } }),
      rec('c.jpg', 'failed', '2026-01-01T11:00:02.000Z', { error: { kind: 'unreadable', http_status: null, message: 'Damaged' } }),
      '{"file":"d.jpg","path":"/photos/d.jp', // torn by a kill -9
    ]);
    const current = await all([dir]);
    expect(current.map((r) => [r.file, r.status])).toEqual([['a.jpg', 'ok'], ['b.jpg', 'ok'], ['c.jpg', 'failed']]);
    expect(current.map(outputText)).toEqual(['first', 'fixed', 'unreadable: Damaged']);
  });

  it('merges folders, one record per photo', async () => {
    const a = await outDir([rec('a.jpg', 'ok', '2026-02-01T00:00:00.000Z', { output: { caption: 'new', keywords: ['x'] } })]);
    const b = await outDir([rec('a.jpg', 'failed', '2026-01-01T00:00:00.000Z'), rec('z.jpg', 'ok', '2026-01-01T00:00:00.000Z', { output: 'z' })]);
    const current = await all([b, a]);
    expect(current.map((r) => r.file)).toEqual(['a.jpg', 'z.jpg']);
    expect(outputText(current[0]!)).toBe('{"caption":"new","keywords":["x"]}');
  });

  it('keeps an answer on one line', () => {
    expect(outputText(rec('a.jpg', 'ok', 'x', { output: 'two\tparts\nand a line' }))).toBe('two parts and a line');
  });
});
