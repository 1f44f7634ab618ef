#!/usr/bin/env node
import os from 'node:os';
import v8 from 'node:v8';

// libuv's default 4 threads serve both file reads and sharp's CPU-bound pipelines: at -c 64 the small reads and
// writes of the next photos queue behind the encodes and the request pipeline starves. Set before anything uses them.
process.env.UV_THREADPOOL_SIZE ??= String(Math.min(64, Math.max(8, os.availableParallelism() * 2)));
// V8 lets the heap grow up to 4x what survived the last full collection before it collects again, so a long run's
// peak memory scaled with its length although what it keeps is small (issue 14: peak RSS for 100,000 photos was 2.1x
// that of 10,000). 1.5x keeps the heap near what is live: -c 64 on 640x480 photos peaked at ~260 MB instead of ~350
// with no measurable CPU cost (1.2x cost 10-15 % more CPU there). Read by V8 at each collection, so setting it here,
// before the run allocates, is enough.
v8.setFlagsFromString('--heap-growing-percent=50');
const { main } = await import('../dist/cli/main.js');

process.exitCode = await main(process.argv.slice(2));
