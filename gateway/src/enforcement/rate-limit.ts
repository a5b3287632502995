/** One key's count in its current window. */
export interface WindowCount {
  /** Hits in this window, this one included. */
  count: number;
  /** When the window started (ms since the epoch). */
  start: number;
}

/** Keys tracked at most; beyond, new keys share one count (a flood of addresses cannot grow memory). */
const MAX_KEYS = 50_000;
export const OVERFLOW_KEY = '*';

/**
 * Fixed-window counts per key (a caller's `sub`, an address), in memory: one map entry per key
 * seen in the window, swept when it ends. Enough for one gateway process; each process of a
 * scaled-out gateway counts on its own.
 */
export class WindowCounter {
  private readonly counts = new Map<string, WindowCount>();

  constructor(readonly windowMs: number, private readonly now: () => number = Date.now) {}

  /** Counts one hit for `key`; the answer says how many this window has had. */
  hit(key: string): WindowCount & { key: string; fresh: boolean; retryAfterSeconds: number } {
    const now = this.now();
    const tracked = this.counts.has(key) || this.counts.size < MAX_KEYS ? key : OVERFLOW_KEY;
    let entry = this.counts.get(tracked);
    let fresh = false;
    if (!entry || now - entry.start >= this.windowMs) {
      if (entry) this.ended?.(tracked, entry);
      entry = { count: 0, start: now };
      this.counts.set(tracked, entry);
      fresh = true;
    }
    entry.count++;
    return { key: tracked, ...entry, fresh, retryAfterSeconds: Math.max(1, Math.ceil((entry.start + this.windowMs - now) / 1000)) };
  }

  /** Called with each window that ended (at a sweep, or when its key is hit again). */
  ended?: (key: string, window: WindowCount) => void;

  /** Drops every ended window (calling `ended` for each); `all`: every window, ended or not. */
  sweep(all = false): void {
    const now = this.now();
    for (const [key, entry] of this.counts) {
      if (all || now - entry.start >= this.windowMs) {
        this.counts.delete(key);
        this.ended?.(key, entry);
      }
    }
  }
}
