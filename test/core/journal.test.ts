import { appendFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openJournal, readRecords } from '../../src/core/record/journal.js';
import type { ResultRecord } from '../../src/core/types.js';
import { tempDir } from '../helpers/images.js';

const rec = (file: string, status: 'ok' | 'failed', sha = 'a'.repeat(64), job = 'job1'): ResultRecord => ({
  file, path: `/photos/${file}`, sha256: sha, status, attempts: 1, job, at: '2026-01-01T00:00:00.000Z',
});

describe('journal', () => {
  it('appends whole lines and finds finished work by content and job', async () => {
    const dir = await tempDir();
    const j = await openJournal(dir);
    j.append(rec('a.jpg', 'ok', '1'.repeat(64)));
    j.append(rec('b.jpg', 'failed', '2'.repeat(64)));
    j.close();
    const again = await openJournal(dir);
    expect(again.previousRecords).toBe(2);
    expect(again.findDone('1'.repeat(64), 'job1')?.file).toBe('a.jpg');
    expect(again.findDone('1'.repeat(64), 'job2')).toBeUndefined();
    expect(again.findDone('2'.repeat(64), 'job1')).toBeUndefined();
    again.close();
  });

  it('survives a torn last line from kill -9: ignores it and starts the next record on a fresh line', async () => {
    const dir = await tempDir();
    const j = await openJournal(dir);
    j.append(rec('a.jpg', 'ok', '1'.repeat(64)));
    j.close();
    const file = path.join(dir, 'results.jsonl');
    await appendFile(file, '{"file":"b.jpg","path":"/photos/b.jpg","sta');
    const again = await openJournal(dir);
    expect(again.previousRecords).toBe(1);
    expect(again.skippedLines).toBe(1);
    again.append(rec('c.jpg', 'ok', '3'.repeat(64)));
    again.close();
    expect(readRecords(file).map((r) => r.file)).toEqual(['a.jpg', 'c.jpg']);
    expect((await readFile(file, 'utf8')).split('\n').filter(Boolean)).toHaveLength(3);
  });
});
