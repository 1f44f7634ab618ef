/**
 * Harness ceiling: the least a client can do against the fake server. Sends one pre-built chat body N times with
 * undici (photobatch's own HTTP client) at concurrency c, reading and parsing each answer. No sharp, no base64, no
 * journal: what this machine and the fake server allow at that concurrency.
 *
 *   node bare-client.js <baseURL> <n> <c> <body.json>   → prints {"wallMs":…,"ok":…}
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';

const [url, nArg, cArg, bodyFile] = process.argv.slice(2);
const n = Number(nArg);
const c = Number(cArg);
const body = readFileSync(bodyFile!, 'utf8');
const dispatcher = new Agent({ keepAliveTimeout: 30_000 });
const t0 = performance.now();
let next = 0;
let ok = 0;
await Promise.all(
  Array.from({ length: c }, async () => {
    while (next < n) {
      next++;
      const res = await request(`${url}/chat/completions`, {
        method: 'POST', body, dispatcher,
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-or-v1-bench' },
      });
      const json = JSON.parse(await res.body.text()) as { choices?: unknown[] };
      if (res.statusCode === 200 && Array.isArray(json.choices)) ok++;
    }
  }),
);
const wallMs = performance.now() - t0;
await dispatcher.close();
process.stdout.write(JSON.stringify({ wallMs, ok }) + '\n');
