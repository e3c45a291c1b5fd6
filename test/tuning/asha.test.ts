import { describe, expect, it } from 'vitest';

import { AshaScheduler, rungResources } from '../../src/core/tuning/asha.js';

describe('rungResources', () => {
  it('grows by the reduction factor and ends at the maximum', () => {
    expect(rungResources({ minResource: 30, maxResource: 270, trials: 9 })).toEqual([30, 90, 270]);
    expect(rungResources({ minResource: 10, maxResource: 100, trials: 9 })).toEqual([10, 30, 90, 100]);
    expect(rungResources({ minResource: 50, maxResource: 50, trials: 1 })).toEqual([50]);
  });
});

/** Runs a search of `trials` trials (rungs 1/3/9, one job at a time) whose score is fixed per trial. */
function search(trials: number, scores: number[]): { scheduler: AshaScheduler; jobs: string[] } {
  let next = 0;
  const scheduler = new AshaScheduler({ minResource: 1, maxResource: 9, trials, concurrency: 1 }, () => ({
    index: next++,
  }));
  const jobs: string[] = [];
  for (let wave = scheduler.nextWave(); wave.length > 0; wave = scheduler.nextWave()) {
    for (const job of wave) {
      jobs.push(`${job.start ? 'start' : 'promote'} ${job.trialId} r${job.rung}`);
      scheduler.report(job.trialId, job.rung, scores[job.trialId]);
    }
  }
  scheduler.finish();
  return { scheduler, jobs };
}

describe('AshaScheduler', () => {
  // Nine trials whose score does not depend on the rung; with eta = 3 and one job at a time, the sequence
  // below was worked out by hand from the ASHA rule (promote the best unpromoted trial of the top third of a
  // rung, from the highest rung down; otherwise start a new trial).
  const scores = [0.5, 0.9, 0.1, 0.7, 0.3, 0.8, 0.2, 0.6, 0.4];

  it('promotes the top third and stops the rest early', () => {
    const { scheduler, jobs } = search(9, scores);

    expect(jobs).toEqual([
      'start 0 r0',
      'start 1 r0',
      'start 2 r0',
      'promote 1 r1',
      'start 3 r0',
      'start 4 r0',
      'start 5 r0',
      'promote 5 r1',
      'start 6 r0',
      'start 7 r0',
      'start 8 r0',
      'promote 3 r1',
      'promote 1 r2',
    ]);
    expect(scheduler.trials.map((t) => t.status)).toEqual([
      'stopped',
      'completed',
      'stopped',
      'stopped',
      'stopped',
      'stopped',
      'stopped',
      'stopped',
      'stopped',
    ]);
    expect(scheduler.trials.map((t) => t.scores.length - 1)).toEqual([0, 2, 0, 1, 0, 1, 0, 0, 0]);
  });

  it('takes the same decisions in waves whatever order the wave reports in', () => {
    const run = (reverse: boolean) => {
      let next = 0;
      const scheduler = new AshaScheduler(
        { minResource: 1, maxResource: 9, trials: 9, concurrency: 2 },
        () => ({ index: next++ }),
      );
      const jobs: string[] = [];
      for (let wave = scheduler.nextWave(); wave.length > 0; wave = scheduler.nextWave()) {
        jobs.push(wave.map((j) => `${j.trialId}r${j.rung}`).join('+'));
        for (const job of reverse ? [...wave].reverse() : wave)
          scheduler.report(job.trialId, job.rung, scores[job.trialId]);
      }
      return jobs;
    };
    expect(run(true)).toEqual(run(false));
  });
});

describe('AshaScheduler with a budget too small for the top rung', () => {
  it('carries the best trial to the top rung once the budget is spent', () => {
    // Three trials, eta 3, rungs 1/3/9: by the quota only trial 1 (0.9) reaches rung 1, and 1/3 of one
    // finished trial is none, so without the final promotion no trial would be fully trained.
    const scores = [0.5, 0.9, 0.1];
    const { scheduler, jobs } = search(3, scores);
    expect(jobs).toEqual(['start 0 r0', 'start 1 r0', 'start 2 r0', 'promote 1 r1', 'promote 1 r2']);
    expect(scheduler.trials.map((t) => t.status)).toEqual(['stopped', 'completed', 'stopped']);
  });
});
