import { setTimeout as delay } from 'node:timers/promises';

/** How the client layer waits: injectable, so tests pass an instant sleep and the flow control keeps virtual time. */
export type SleepFn = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Abortable real-time sleep. */
export const defaultSleep: SleepFn = async (ms, signal) => {
  await delay(Math.max(0, ms), undefined, signal ? { signal } : undefined);
};
