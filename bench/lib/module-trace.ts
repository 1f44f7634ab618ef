/** Preload (`--import`): records every module URL the child resolves into $BENCH_MODULE_TRACE (one per line). */
import { register } from 'node:module';

const file = process.env.BENCH_MODULE_TRACE;
if (file) register(new URL('./module-trace-hooks.js', import.meta.url), { data: { file } });
