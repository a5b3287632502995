import { describe, expect, it } from 'vitest';
import { readShutdownTimeout, runShutdown } from './shutdown';

describe('runShutdown', () => {
  it('runs every step in order and reports a clean stop', async () => {
    const ran: string[] = [];
    const clean = await runShutdown(['ready', 'drain', 'pool'].map((name) => ({ name, run: async () => void ran.push(name) })), 1000, () => {});
    expect(clean).toBe(true);
    expect(ran).toEqual(['ready', 'drain', 'pool']);
  });

  it('runs the later steps after a failed one, and reports the failure', async () => {
    const ran: string[] = [];
    const lines: string[] = [];
    const clean = await runShutdown(
      [
        { name: 'drain', run: () => Promise.reject(new Error('socket stuck')) },
        { name: 'pool', run: () => void ran.push('pool') },
      ],
      1000,
      (line) => lines.push(line),
    );
    expect(clean).toBe(false);
    expect(ran).toEqual(['pool']);
    expect(lines).toEqual(['[shutdown] drain failed: socket stuck']);
  });

  it('gives up at the deadline', async () => {
    const lines: string[] = [];
    const started = Date.now();
    const clean = await runShutdown([{ name: 'drain', run: () => new Promise(() => {}) }], 100, (line) => lines.push(line));
    expect(clean).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(lines).toEqual(['[shutdown] not stopped within 100 ms (SHUTDOWN_TIMEOUT_MS)']);
  });
});

describe('SHUTDOWN_TIMEOUT_MS', () => {
  it('defaults to 10 s and refuses what is not a positive whole number', () => {
    expect(readShutdownTimeout({})).toBe(10_000);
    expect(readShutdownTimeout({ SHUTDOWN_TIMEOUT_MS: '2500' })).toBe(2500);
    expect(() => readShutdownTimeout({ SHUTDOWN_TIMEOUT_MS: '0' })).toThrow(/SHUTDOWN_TIMEOUT_MS/);
    expect(() => readShutdownTimeout({ SHUTDOWN_TIMEOUT_MS: 'soon' })).toThrow(/SHUTDOWN_TIMEOUT_MS/);
  });
});
