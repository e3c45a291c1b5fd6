import type { RunStatus, TrackingStore } from './types.js';

/**
 * The runs a command has opened and not yet ended. When the command fails or is interrupted, every one of
 * them is ended FAILED or KILLED, so no run is left RUNNING.
 */
export class OpenRuns {
  private readonly open = new Set<string>();

  constructor(private readonly tracking: TrackingStore) {}

  add(runId: string): void {
    this.open.add(runId);
  }

  async end(runId: string, status: RunStatus = 'FINISHED'): Promise<void> {
    await this.tracking.updateRun(runId, status, Date.now());
    this.open.delete(runId);
  }

  /** Ends every open run, children before parents (latest opened first). */
  async endAll(status: 'FAILED' | 'KILLED'): Promise<void> {
    for (const runId of [...this.open].reverse()) {
      try {
        await this.end(runId, status);
      } catch {
        // The store itself may be what failed; the original error is the one worth reporting.
      }
    }
  }
}

/** The status a run ends with when its command stops on this error. */
export function statusFor(error: unknown): 'FAILED' | 'KILLED' {
  return (error as Error)?.name === 'InterruptedError' ? 'KILLED' : 'FAILED';
}
