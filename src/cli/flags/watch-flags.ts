import { durationMs, optional, positive, secondsToMs, value, type FlagValues } from './flag.js';

/** The options only `watch` has (it takes the run rows marked for it too). */
export const WATCH_FLAGS = {
  // Long enough for a tethering tool's write to finish, short enough for a photobooth guest.
  settle: value({ spelling: '--settle <seconds>', help: 'a new file is taken once its size has not changed for this long', default: '1', parse: secondsToMs, for: ['watch'] }),
  poll: optional({
    spelling: '--poll [interval]', help: 'poll instead of file system events (network shares; default on for NFS/SMB/FUSE); interval e.g. 500ms, 2s',
    parse: durationMs((name) => `${name} interval`), for: ['watch'],
  }),
  refresh: value({ spelling: '--refresh <seconds>', help: 'how often the live report.html reloads in the browser', default: '3', parse: positive('seconds'), for: ['watch'] }),
};

export type WatchFlagValues = FlagValues<typeof WATCH_FLAGS>;
