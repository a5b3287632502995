/** One step of a process's orderly stop, named for the log. */
export interface ShutdownStep {
  name: string;
  run: () => unknown;
}

/** SHUTDOWN_TIMEOUT_MS: how long a process may take to stop before it gives up (default 10 s). */
export function readShutdownTimeout(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SHUTDOWN_TIMEOUT_MS;
  if (raw === undefined || raw === '') return 10_000;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`SHUTDOWN_TIMEOUT_MS must be a whole number of milliseconds, got ${JSON.stringify(raw)}`);
  return value;
}

/**
 * Runs the steps in order, each even if an earlier one failed (so no pool outlives the process),
 * within `timeoutMs` overall. Resolves to true on a clean stop, false if a step failed or the
 * deadline passed (the steps still running are abandoned: the process is about to exit).
 */
export async function runShutdown(steps: readonly ShutdownStep[], timeoutMs: number, log: (line: string) => void = console.error): Promise<boolean> {
  let clean = true;
  const all = (async () => {
    for (const step of steps) {
      try {
        await step.run();
      } catch (error) {
        clean = false;
        log(`[shutdown] ${step.name} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  })();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => (timer = setTimeout(() => resolve('deadline'), timeoutMs)));
  const outcome = await Promise.race([all.then(() => 'done' as const), deadline]);
  clearTimeout(timer);
  if (outcome === 'deadline') {
    log(`[shutdown] not stopped within ${timeoutMs} ms (SHUTDOWN_TIMEOUT_MS)`);
    return false;
  }
  return clean;
}

/**
 * On the first SIGTERM or SIGINT: the steps (the first marks the process not ready, the next
 * drain and close), then exit 0 on a clean stop, 1 if a step failed or the deadline passed.
 * A second signal exits at once with 1.
 */
export function exitOnSignals(steps: readonly ShutdownStep[], timeoutMs: number = readShutdownTimeout()): void {
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) process.exit(1);
      stopping = true;
      console.log(`${signal}: stopping (at most ${timeoutMs} ms)…`);
      void runShutdown(steps, timeoutMs).then((clean) => process.exit(clean ? 0 : 1));
    });
  }
}
