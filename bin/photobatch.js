#!/usr/bin/env node
import os from 'node:os';

// libuv's default 4 threads serve both file reads and sharp's CPU-bound pipelines: at -c 64 the small reads and
// writes of the next photos queue behind the encodes and the request pipeline starves. Set before anything uses them.
process.env.UV_THREADPOOL_SIZE ??= String(Math.min(64, Math.max(8, os.availableParallelism() * 2)));
const { main } = await import('../dist/cli/main.js');

process.exitCode = await main(process.argv.slice(2));
