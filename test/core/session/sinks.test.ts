/** The session's outputs on their own: fan-out order, the journal's fallback, and the reports' live mode in virtual time. */
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openJournal, type Journal } from '../../../src/core/record/journal.js';
import { fanOut, type OutputSink } from '../../../src/core/session/sinks/sink.js';
import { createJournalSink } from '../../../src/core/session/sinks/journal-sink.js';
import { createReportSink } from '../../../src/core/session/sinks/report-sink.js';
import type { ResultRecord } from '../../../src/core/types.js';
import { tempDir } from '../../helpers/images.js';

const dirs: string[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const record = (file: string, at: string): ResultRecord => ({
  file, path: `/photos/${file}`, sha256: 'a'.repeat(64), job: 'j1', status: 'ok', model: 'm', output: `about ${file}`, attempts: 1, ms: 5,
  usage: { prompt_tokens: 10, completion_tokens: 5, cost_usd: 0.001 }, at,
});

describe('fanOut', () => {
  it('tells every sink in order, and closes them all even when one fails', async () => {
    const seen: string[] = [];
    const sink = (name: string, fail = false): OutputSink => ({
      onRecord: (r) => seen.push(`${name}:${r.file}`),
      close: async () => {
        seen.push(`${name}:closed`);
        if (fail) throw new Error(`${name} failed`);
      },
    });
    const out = fanOut([sink('journal'), sink('sheet', true), sink('json')]);
    out.onRecord(record('a.jpg', '2026-01-01T00:00:00Z'));
    await expect(out.close()).rejects.toThrow('sheet failed');
    expect(seen).toEqual(['journal:a.jpg', 'sheet:a.jpg', 'json:a.jpg', 'journal:closed', 'sheet:closed', 'json:closed']);
  });
});

describe('journal sink', () => {
  it('keeps every answer once results.jsonl cannot be written, stops the session once, and saves them elsewhere', async () => {
    const full = Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    const journal = { file: '/out/results.jsonl', append: vi.fn(() => { throw full; }) } as unknown as Journal;
    const failures: string[] = [];
    const sink = createJournalSink(journal, (m) => failures.push(m));
    sink.onRecord(record('a.jpg', '2026-01-01T00:00:00Z'));
    sink.onRecord(record('b.jpg', '2026-01-01T00:00:01Z'));
    expect(journal.append).toHaveBeenCalledTimes(1);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/Cannot write \/out\/results\.jsonl/);
    const rescued = await sink.rescue();
    expect(rescued!.records.map((r) => r.file)).toEqual(['a.jpg', 'b.jpg']);
    const text = await readFile(rescued!.file!, 'utf8');
    await rm(rescued!.file!);
    expect(text.trim().split('\n').map((l) => JSON.parse(l).file)).toEqual(['a.jpg', 'b.jpg']);
  });
});

describe('report sink', () => {
  async function outWith(records: ResultRecord[]): Promise<string> {
    const out = await tempDir('photobatch-reports-');
    dirs.push(out);
    const journal = await openJournal(out, { durable: false });
    for (const r of records) journal.append(r);
    journal.close();
    return out;
  }

  it('live: results rewrite the reports (the next rewrite waits for the interval); the page reloads itself and shows the newest first', async () => {
    const out = await outWith([record('first.jpg', '2026-01-01T10:00:00Z'), { ...record('second.jpg', '2026-01-01T10:05:00Z'), sha256: 'b'.repeat(64) }]);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const warnings: string[] = [];
    const sink = createReportSink({ outDir: out, contactSheet: true, warn: (m) => warnings.push(m), newestFirst: true, live: { refreshSeconds: 3, minIntervalMs: 1000 } });
    sink.onRecord!(record('first.jpg', ''));
    await vi.advanceTimersByTimeAsync(0);
    // The first write starts at once (nothing written before); results arriving meanwhile wait for the interval.
    for (let i = 0; i < 5; i++) sink.onRecord!(record('second.jpg', ''));
    vi.useRealTimers();
    await sink.close!();
    const html = await readFile(path.join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/http-equiv="refresh" content="3"/);
    expect(html.indexOf('second.jpg')).toBeLessThan(html.indexOf('first.jpg'));
    expect(warnings).toEqual([]);
  });

  it('finish: the final reports, no longer reloading; report.html in path order unless newest first was asked', async () => {
    const records = [record('b.jpg', '2026-01-01T10:00:00Z'), { ...record('a.jpg', '2026-01-01T10:05:00Z'), sha256: 'b'.repeat(64) }];
    const out = await outWith(records);
    const report = await (await (await import('../../../src/core/record/results-merge.js')).openResults([out])).report();
    const done = await createReportSink({ outDir: out, contactSheet: true, warn: () => {} }).finish(report);
    expect(done).toEqual({ reportFile: path.join(out, 'cost-report.json') });
    const html = await readFile(path.join(out, 'report.html'), 'utf8');
    expect(html).not.toMatch(/http-equiv="refresh"/);
    expect(html.indexOf('a.jpg')).toBeLessThan(html.indexOf('b.jpg'));
    expect(JSON.parse(await readFile(path.join(out, 'cost-report.json'), 'utf8')).photos.ok).toBe(2);
    expect(existsSync(path.join(out, 'cost-report.csv'))).toBe(true);
  });

  it('never replaces a report.html the user made; says so once', async () => {
    const out = await outWith([record('a.jpg', '2026-01-01T10:00:00Z')]);
    await (await import('node:fs/promises')).writeFile(path.join(out, 'report.html'), '<h1>my own page</h1>');
    const warnings: string[] = [];
    const report = await (await (await import('../../../src/core/record/results-merge.js')).openResults([out])).report();
    await createReportSink({ outDir: out, contactSheet: true, warn: (m) => warnings.push(m) }).finish(report);
    expect(await readFile(path.join(out, 'report.html'), 'utf8')).toBe('<h1>my own page</h1>');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/report\.html exists and photobatch did not write it/);
  });
});
