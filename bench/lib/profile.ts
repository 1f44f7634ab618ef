/**
 * Reads a V8 .cpuprofile (node --cpu-prof) of photobatch's main thread and says where its time went. Each sample is
 * given to the first category that matches walking from the sampled frame up to the root, so time spent inside
 * e.g. Buffer#toString('base64') called from buildChatBody counts as base64.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[] }
interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

export type Category =
  | 'idle' | 'gc' | 'program' | 'journal (write+fdatasync)' | 'base64 (buildChatBody)' | 'JSON' | 'sha256' | 'sharp (JS side)'
  | 'HTTP client (undici)' | 'photobatch JS' | 'node internals' | 'other';

const rules: [Category, (f: CallFrame) => boolean][] = [
  ['idle', (f) => f.functionName === '(idle)'],
  ['gc', (f) => f.functionName === '(garbage collector)'],
  ['program', (f) => f.functionName === '(program)'],
  ['journal (write+fdatasync)', (f) => /core\/journal\.js$/.test(f.url) || f.functionName === 'fdatasyncSync' || f.functionName === 'fdatasync'],
  ['base64 (buildChatBody)', (f) => /core\/request-body\.js$/.test(f.url) || /base64/i.test(f.functionName)],
  ['JSON', (f) => f.functionName === 'stringify' || f.functionName === 'parse' || f.functionName === 'JSON.stringify' || f.functionName === 'JSON.parse'],
  ['sha256', (f) => /core\/job\.js$/.test(f.url)],
  ['sharp (JS side)', (f) => /node_modules\/sharp\//.test(f.url) || /core\/images\//.test(f.url)],
  ['HTTP client (undici)', (f) => /node_modules\/undici\//.test(f.url) || /openrouter\/client\.js$/.test(f.url)],
];

export interface ProfileSummary {
  file: string;
  totalMs: number;
  byCategory: Record<string, number>;
  topSelf: { fn: string; url: string; ms: number }[];
}

export function newestProfile(dir: string): string | undefined {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort();
  return files.length ? path.join(dir, files[files.length - 1]!) : undefined;
}

export function summarize(file: string): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of p.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const catOf = new Map<number, Category>();
  const categorize = (id: number): Category => {
    const known = catOf.get(id);
    if (known) return known;
    let cat: Category | undefined;
    for (let cur: number | undefined = id; cur !== undefined && !cat; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      for (const [name, test] of rules) {
        if (test(f)) {
          cat = name;
          break;
        }
      }
    }
    if (!cat) {
      const f = byId.get(id)!.callFrame;
      cat = /\/dist\//.test(f.url) ? 'photobatch JS' : f.url.startsWith('node:') || f.url === '' ? 'node internals' : 'other';
      // A leaf in node internals called from photobatch code still counts as photobatch's.
      if (cat !== 'photobatch JS') {
        for (let cur = parent.get(id); cur !== undefined; cur = parent.get(cur)) {
          if (/\/dist\//.test(byId.get(cur)!.callFrame.url)) {
            cat = 'photobatch JS';
            break;
          }
        }
      }
    }
    catOf.set(id, cat);
    return cat;
  };
  const byCategory: Record<string, number> = {};
  const self = new Map<number, number>();
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i]!;
    const ms = (p.timeDeltas[i + 1] ?? p.timeDeltas[i] ?? 0) / 1000;
    total += ms;
    const c = categorize(id);
    byCategory[c] = (byCategory[c] ?? 0) + ms;
    self.set(id, (self.get(id) ?? 0) + ms);
  }
  const agg = new Map<string, { fn: string; url: string; ms: number }>();
  for (const [id, ms] of self) {
    const f = byId.get(id)!.callFrame;
    const key = `${f.functionName}|${f.url}`;
    const cur = agg.get(key) ?? { fn: f.functionName || '(anonymous)', url: f.url.replace(/^.*\/(node_modules|dist)\//, '$1/'), ms: 0 };
    cur.ms += ms;
    agg.set(key, cur);
  }
  const topSelf = [...agg.values()].sort((a, b) => b.ms - a.ms).slice(0, 15);
  return { file, totalMs: total, byCategory, topSelf };
}
