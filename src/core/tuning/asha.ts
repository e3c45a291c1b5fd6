import type { Params } from './space.js';

/**
 * Asynchronous Successive Halving (Li et al., "A System for Massively Parallel Hyperparameter Tuning", 2020).
 * Rung k trains a trial to `minResource * reductionFactor^k` units of a real resource (boosting rounds,
 * trees, optimiser iterations). A trial that finished rung k is promoted to rung k+1 when it is in the top
 * 1/reductionFactor of the trials that finished rung k; otherwise a new trial starts while the budget
 * lasts. Trials left behind when the budget is spent have been stopped early.
 *
 * Decisions are taken in waves of `concurrency` jobs that run together; a wave's decisions see only the
 * results of earlier waves, so the search is the same under a seed however long each job takes.
 */
export interface AshaOptions {
  minResource: number;
  maxResource: number;
  /** Default 3. */
  reductionFactor?: number;
  /** How many trials to start in all. */
  trials: number;
  /** Jobs per wave (default 2). */
  concurrency?: number;
}

export type TrialStatus = 'pending' | 'paused' | 'stopped' | 'completed';

export interface TrialState {
  id: number;
  params: Params;
  /** Score after each finished rung, index = rung. Higher is better. */
  scores: number[];
  status: TrialStatus;
}

export interface Job {
  trialId: number;
  rung: number;
  resource: number;
  /** True for a trial's first rung, false for a promotion. */
  start: boolean;
}

export function rungResources(options: AshaOptions): number[] {
  const eta = options.reductionFactor ?? 3;
  const resources: number[] = [];
  for (let r = options.minResource; r < options.maxResource; r *= eta) resources.push(Math.round(r));
  resources.push(options.maxResource);
  return resources;
}

export class AshaScheduler {
  readonly rungs: number[];
  readonly trials: TrialState[] = [];
  private readonly eta: number;
  private readonly promoted: Set<number>[];
  private readonly busy = new Set<number>();

  constructor(
    private readonly options: AshaOptions,
    private readonly propose: (trials: readonly TrialState[]) => Params,
  ) {
    this.eta = options.reductionFactor ?? 3;
    this.rungs = rungResources(options);
    this.promoted = this.rungs.map(() => new Set<number>());
  }

  /** The next wave of jobs; empty when the search is over. */
  nextWave(): Job[] {
    const wave: Job[] = [];
    const concurrency = this.options.concurrency ?? 2;
    while (wave.length < concurrency) {
      const job = this.nextJob();
      if (!job) break;
      this.busy.add(job.trialId);
      wave.push(job);
    }
    return wave;
  }

  report(trialId: number, rung: number, score: number): void {
    const trial = this.trials[trialId];
    trial.scores[rung] = Number.isFinite(score) ? score : -Infinity;
    trial.status = rung === this.rungs.length - 1 ? 'completed' : 'paused';
    this.busy.delete(trialId);
  }

  /** Marks every paused trial stopped; call when the search is over. */
  finish(): void {
    for (const trial of this.trials) if (trial.status === 'paused') trial.status = 'stopped';
  }

  private nextJob(): Job | undefined {
    for (let rung = this.rungs.length - 2; rung >= 0; rung--) {
      const candidate = this.promotable(rung);
      if (candidate !== undefined) {
        this.promoted[rung].add(candidate);
        this.trials[candidate].status = 'pending';
        return { trialId: candidate, rung: rung + 1, resource: this.rungs[rung + 1], start: false };
      }
    }
    if (this.trials.length >= this.options.trials) return this.finalPromotion();

    const id = this.trials.length;
    const settled = this.trials.filter((t) => t.scores.length > 0);
    this.trials.push({ id, params: this.propose(settled), scores: [], status: 'pending' });
    return { trialId: id, rung: 0, resource: this.rungs[0], start: true };
  }

  /**
   * With the budget spent and no trial at the top rung, the best trial of the highest rung reached goes on
   * up, so that every search ends with at least one fully trained trial (budgets smaller than eta^rungs).
   */
  private finalPromotion(): Job | undefined {
    const top = this.rungs.length - 1;
    if (this.busy.size > 0 || this.trials.some((t) => t.scores.length > top)) return undefined;
    for (let rung = top - 1; rung >= 0; rung--) {
      const best = this.trials
        .filter((t) => t.scores.length === rung + 1)
        .sort((a, b) => b.scores[rung] - a.scores[rung] || a.id - b.id)[0];
      if (!best) continue;
      this.promoted[rung].add(best.id);
      best.status = 'pending';
      return { trialId: best.id, rung: rung + 1, resource: this.rungs[rung + 1], start: false };
    }
    return undefined;
  }

  /** The best not-yet-promoted trial in the top 1/eta of those that finished `rung`, if any. */
  private promotable(rung: number): number | undefined {
    const finished = this.trials.filter((t) => t.scores.length > rung && !this.busy.has(t.id));
    const top = [...finished]
      .sort((a, b) => b.scores[rung] - a.scores[rung] || a.id - b.id)
      .slice(0, Math.floor(finished.length / this.eta));
    return top.find((t) => !this.promoted[rung].has(t.id))?.id;
  }
}
