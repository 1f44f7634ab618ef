import { appendFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { closeSync, openSync } from 'node:fs';
import { LineReader, readLineAt, streamRecords } from '../../src/core/record/results-stream.js';
import { openResults } from '../../src/core/record/results-merge.js';
import type { ResultRecord } from '../../src/core/types.js';
import { tempDir } from '../helpers/images.js';

const rec = (i: number, extra: Partial<ResultRecord> = {}): ResultRecord => ({
  file: `ảnh ${i}.jpg`, path: `/photos/ảnh ${i}.jpg`, sha256: String(i).padStart(64, '0'), status: 'ok', attempts: 1, job: 'j', at: '2026-01-01T00:00:00Z',
  usage: { prompt_tokens: 10, completion_tokens: 5, cost_usd: 0.001 }, ...extra,
});

describe('results.jsonl as a stream', () => {
  it('yields every record with its byte position across chunk boundaries, multibyte text and a 600 KB line; counts foreign lines', async () => {
    const dir = await tempDir('photobatch-stream-');
    const file = path.join(dir, 'results.jsonl');
    const records = Array.from({ length: 3000 }, (_, i) => rec(i, i === 1500 ? { output: 'Tết '.repeat(150_000) } : { output: `caption ${i} – ảnh đẹp` }));
    await writeFile(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    await appendFile(file, 'garbage\n{"foreign":true}\n\n' + JSON.stringify(rec(9999)).slice(0, 40)); // torn last line
    const stats = { skipped: 0 };
    const bytes = await readFile(file);
    const seen: ResultRecord[] = [];
    for await (const { record, offset, length } of streamRecords(file, stats)) {
      expect(JSON.parse(bytes.subarray(offset, offset + length).toString('utf8'))).toEqual(record);
      seen.push(record);
    }
    expect(seen).toEqual(records);
    expect(stats.skipped).toBe(3);
  });

  it('LineReader reads back each record by its offset, in any order: long lines, a window boundary, a last line without newline', async () => {
    const dir = await tempDir('photobatch-linereader-');
    const file = path.join(dir, 'results.jsonl');
    const records = Array.from({ length: 800 }, (_, i) => rec(i, { output: i % 97 === 0 ? 'ảnh '.repeat(40_000) : `caption ${i}` }));
    await writeFile(file, records.map((r) => JSON.stringify(r)).join('\n')); // no newline after the last
    const offsets: number[] = [];
    for await (const { offset } of streamRecords(file)) offsets.push(offset);
    expect(offsets).toHaveLength(800);
    const fd = openSync(file, 'r');
    try {
      const order = [...offsets.keys()].sort((a, b) => ((a * 7919) % 800) - ((b * 7919) % 800)); // scattered, then runs in order
      const reader = new LineReader(fd);
      for (const i of [...order, ...offsets.keys()]) {
        expect(reader.recordAt(offsets[i]!), `record ${i}`).toEqual(records[i]);
        expect(readLineAt(fd, offsets[i]!)).toEqual(records[i]);
      }
    } finally {
      closeSync(fd);
    }
  });

  it('openResults merges folders: the current record per photo in path order, every billed answer in the bill', async () => {
    const [a, b] = [await tempDir('photobatch-a-'), await tempDir('photobatch-b-')];
    await writeFile(path.join(a, 'results.jsonl'), [rec(1), rec(2, { status: 'failed', usage: undefined }), rec(2), rec(4, { status: 'failed', usage: undefined })].map((r) => JSON.stringify(r)).join('\n') + '\n');
    await writeFile(path.join(b, 'results.jsonl'), [rec(3), rec(3, { status: 'failed', usage: { prompt_tokens: 1, completion_tokens: 1, cost_usd: 0.0005 } })].map((r) => JSON.stringify(r)).join('\n') + '\n');
    const merged = await openResults([a, b]);
    const current = [];
    for await (const { record, dir } of merged.current()) current.push([record.file, record.status, dir]);
    expect(current).toEqual([['ảnh 1.jpg', 'ok', a], ['ảnh 2.jpg', 'ok', a], ['ảnh 3.jpg', 'ok', b], ['ảnh 4.jpg', 'failed', a]]);
    const report = await merged.report();
    expect(report.photos).toMatchObject({ total: 4, ok: 3, failed: 1 });
    expect(report.cost_usd.billed).toBeCloseTo(0.001 + 0.001 + 0.001 + 0.0005, 10);
    // The end-of-run totals come from the index alone, and say what a full read says.
    expect(merged.allRuns()).toEqual(report.all_runs);
    expect(merged.allRuns()).toMatchObject({ photos: 4, ok: 3, failed: 1 });
  });
});
