import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BENCH_DIR } from './util.js';

export type Status = 'pass' | 'miss' | 'info';

export interface Row {
  /** "1a", "6", … */
  id: string;
  name: string;
  figure: string;
  target: string;
  status: Status;
  inputs: string;
}

export interface Machine {
  cores: number;
  cpu: string;
  memGb: number;
  node: string;
  platform: string;
  date: string;
}

export function machine(): Machine {
  return {
    cores: os.availableParallelism(),
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    memGb: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString(),
  };
}

/** Plain-text table for the terminal. */
export function textTable(rows: Row[]): string {
  const head = ['#', 'benchmark', 'figure', 'target', 'result', 'inputs'];
  const cells = rows.map((r) => [r.id, r.name, r.figure, r.target, r.status, r.inputs]);
  const width = head.map((h, i) => Math.min(i === 5 ? 70 : 60, Math.max(h.length, ...cells.map((c) => c[i]!.length))));
  const line = (c: string[]) => c.map((x, i) => (i === 5 ? x : x.padEnd(width[i]!))).join('  ');
  return [line(head), width.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

const esc = (s: string) => s.replace(/\|/g, '\\|');

export function markdown(rows: Row[], m: Machine, command: string, totalS: number, notes: string[]): string {
  const out = [
    `Last run: ${m.date} · ${m.cores} cores (${m.cpu}), ${m.memGb} GB · Node ${m.node} · ${m.platform}`,
    '',
    `Command: \`${command}\` · total bench wall time ${totalS.toFixed(0)} s`,
    '',
    '| # | benchmark | figure | target | result | inputs |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.id} | ${esc(r.name)} | ${esc(r.figure)} | ${esc(r.target)} | ${r.status === 'miss' ? '**miss**' : r.status} | ${esc(r.inputs)} |`),
  ];
  if (notes.length) out.push('', ...notes.map((n) => `- ${n}`));
  return out.join('\n');
}

export const START = '<!-- results:start -->';
export const END = '<!-- results:end -->';

/** Replaces the results block of bench/README.md. */
export function writeReadme(block: string): void {
  const file = path.join(BENCH_DIR, 'README.md');
  const text = readFileSync(file, 'utf8');
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error('bench/README.md has no results markers');
  writeFileSync(file, text.slice(0, a + START.length) + '\n' + block + '\n' + text.slice(b));
}
