import { describe, expect, it } from 'vitest';

import {
  brierScore,
  chooseThreshold,
  evaluateBinary,
  logLoss,
  prAuc,
  precisionRecallF1,
  rocAuc,
  rocCurve,
} from '../../src/core/evaluation/index.js';
import { loadReference, scoreSets } from './reference.js';

const reference = loadReference();
const EXACT = 1e-9;

function expectClose(actual: number[], expected: number[], tolerance: number): void {
  expect(actual).toHaveLength(expected.length);
  const worst = actual.reduce((max, value, i) => Math.max(max, Math.abs(value - expected[i])), 0);
  expect(worst).toBeLessThanOrEqual(tolerance);
}

describe.each(scoreSets(reference))('against scikit-learn, %s scores', (_name, labels, set) => {
  const uint8Labels = Uint8Array.from(labels);
  const scores = Float64Array.from(set.scores);

  it('rocAuc equals roc_auc_score', () => {
    expect(rocAuc(uint8Labels, scores)).toBeCloseTo(set.rocAuc, 12);
    expect(rocAuc(labels, set.scores)).toBe(rocAuc(uint8Labels, scores));
  });

  it('rocCurve equals roc_curve with drop_intermediate', () => {
    const curve = rocCurve(uint8Labels, scores);
    expectClose(curve.fpr, set.rocCurve.fpr, EXACT);
    expectClose(curve.tpr, set.rocCurve.tpr, EXACT);
    expectClose(curve.thresholds, set.rocCurve.thresholds, EXACT);
  });

  it('prAuc equals average_precision_score', () => {
    expect(Math.abs(prAuc(uint8Labels, scores) - set.averagePrecision)).toBeLessThanOrEqual(EXACT);
  });

  it('logLoss equals log_loss', () => {
    expect(Math.abs(logLoss(uint8Labels, scores) - set.logLoss)).toBeLessThanOrEqual(EXACT);
  });

  it('brierScore equals brier_score_loss', () => {
    expect(Math.abs(brierScore(uint8Labels, scores) - set.brier)).toBeLessThanOrEqual(EXACT);
  });

  it('precisionRecallF1 equals precision_score, recall_score and f1_score at each threshold', () => {
    for (const expected of set.atThreshold) {
      const actual = precisionRecallF1(uint8Labels, scores, expected.threshold);
      expect(Math.abs(actual.precision - expected.precision)).toBeLessThanOrEqual(EXACT);
      expect(Math.abs(actual.recall - expected.recall)).toBeLessThanOrEqual(EXACT);
      expect(Math.abs(actual.f1 - expected.f1)).toBeLessThanOrEqual(EXACT);
    }
  });

  it('chooseThreshold finds the highest threshold of maximal F1 that a brute-force search finds', () => {
    const choice = chooseThreshold(uint8Labels, scores);
    expect(choice.threshold).toBe(set.bestF1.threshold);
    expect(choice.predictedPositives).toBe(set.bestF1.predictedPositives);
    expect(Math.abs(choice.f1 - set.bestF1.f1)).toBeLessThanOrEqual(EXACT);
    expect(Math.abs(choice.precision - set.bestF1.precision)).toBeLessThanOrEqual(EXACT);
    expect(Math.abs(choice.recall - set.bestF1.recall)).toBeLessThanOrEqual(EXACT);
    const atBest = precisionRecallF1(uint8Labels, scores, choice.threshold);
    expect([atBest.f1, atBest.precision, atBest.recall]).toEqual([
      choice.f1,
      choice.precision,
      choice.recall,
    ]);
  });

  it('evaluateBinary agrees with the single metrics', () => {
    const threshold = set.atThreshold[1].threshold;
    const evaluation = evaluateBinary(uint8Labels, scores, threshold);
    const atThreshold = precisionRecallF1(uint8Labels, scores, threshold);
    expect(evaluation).toEqual({
      rocAuc: rocAuc(uint8Labels, scores),
      prAuc: prAuc(uint8Labels, scores),
      logLoss: logLoss(uint8Labels, scores),
      brier: brierScore(uint8Labels, scores),
      f1: atThreshold.f1,
      precision: atThreshold.precision,
      recall: atThreshold.recall,
      threshold,
      positives: labels.filter((label) => label === 1).length,
      rows: labels.length,
    });
  });
});

describe('rocAuc', () => {
  it('counts a tie between a positive and a negative as one half', () => {
    expect(rocAuc([0, 1], [0.5, 0.5])).toBe(0.5);
    expect(rocAuc([0, 1, 0, 1], [0.1, 0.4, 0.4, 0.9])).toBe(0.875);
  });

  it('equals the Mann-Whitney statistic with average ranks', () => {
    const { labels } = reference;
    const scores = reference.sets.tied.scores;
    const order = scores.map((_, i) => i).sort((a, b) => scores[a] - scores[b]);
    const ranks = new Float64Array(scores.length);
    for (let start = 0; start < order.length;) {
      let end = start;
      while (end + 1 < order.length && scores[order[end + 1]] === scores[order[start]]) end++;
      for (let k = start; k <= end; k++) ranks[order[k]] = (start + end) / 2 + 1;
      start = end + 1;
    }
    const positives = labels.filter((label) => label === 1).length;
    const negatives = labels.length - positives;
    const rankSum = labels.reduce((sum, label, i) => sum + (label === 1 ? ranks[i] : 0), 0);
    const mannWhitney = (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
    expect(rocAuc(labels, scores)).toBeCloseTo(mannWhitney, 12);
  });
});

describe('rocCurve', () => {
  const { labels } = reference;
  const scores = reference.sets.continuous.scores;

  it('keeps every distinct threshold without dropIntermediate', () => {
    const curve = rocCurve(labels, scores, { dropIntermediate: false });
    expect(curve.fpr).toHaveLength(new Set(scores).size + 1);
    expect(curve.fpr.length).toBeGreaterThan(reference.sets.continuous.rocCurve.fpr.length);
  });

  it('downsamples to maxPoints, keeping both ends and the order', () => {
    const full = rocCurve(labels, scores);
    const small = rocCurve(labels, scores, { maxPoints: 50 });
    expect(small.fpr).toHaveLength(50);
    expect([small.fpr[0], small.tpr[0], small.thresholds[0]]).toEqual([0, 0, full.thresholds[0]]);
    expect([small.fpr.at(-1), small.tpr.at(-1)]).toEqual([1, 1]);
    for (let i = 1; i < 50; i++) {
      expect(small.fpr[i]).toBeGreaterThanOrEqual(small.fpr[i - 1]);
      expect(small.thresholds[i]).toBeLessThan(small.thresholds[i - 1]);
    }
    expect(rocCurve(labels, scores, { maxPoints: 100_000 })).toEqual(full);
  });

  it('rejects a maxPoints below 2', () => {
    expect(() => rocCurve(labels, scores, { maxPoints: 1 })).toThrow(/maxPoints is 1/);
  });
});

describe('logLoss', () => {
  it('clips 0 and 1 to eps = 2^-52 as scikit-learn 1.2', () => {
    expect(logLoss([1], [0])).toBeCloseTo(-Math.log(Number.EPSILON), 12);
    expect(logLoss([1, 0], [1, 0])).toBeCloseTo(-Math.log(1 - Number.EPSILON), 20);
    expect(logLoss([1], [0], { eps: 1e-15 })).toBeCloseTo(-Math.log(1e-15), 12);
  });
});

describe('chooseThreshold', () => {
  it('prefers the highest threshold among equal F1', () => {
    // Threshold 0.8 flags one of the two positives (F1 2/3); 0.3 flags both and two negatives (F1 2/3).
    expect(chooseThreshold([1, 1, 0, 0, 0], [0.8, 0.3, 0.3, 0.3, 0.1]).threshold).toBe(0.8);
  });

  it('may choose the lowest score, flagging every row', () => {
    expect(chooseThreshold([1, 1, 1, 0], [0.2, 0.3, 0.4, 0.9])).toMatchObject({ threshold: 0.2, recall: 1 });
  });
});

describe('input guards', () => {
  it('rejects mismatched lengths, empty input, bad labels and non-finite scores', () => {
    expect(() => rocAuc([0, 1], [0.5])).toThrow('rocAuc: labels has 2 entries but scores has 1');
    expect(() => prAuc([], [])).toThrow(/empty/);
    expect(() => rocAuc([0, 2], [0.1, 0.2])).toThrow('rocAuc: labels[1] is 2; labels must be 0 or 1');
    expect(() => rocAuc(Uint8Array.of(0, 1), [0.1, Number.NaN])).toThrow('scores[1] is NaN');
    expect(() => brierScore([0, 1], [0.1, 1.5])).toThrow('probabilities must lie in [0, 1]');
    expect(() => rocAuc('01' as unknown as number[], [0, 1])).toThrow(TypeError);
  });

  it('rejects one-class labels where the metric is undefined', () => {
    expect(() => rocAuc([1, 1], [0.1, 0.2])).toThrow(/at least one negative/);
    expect(() => rocCurve([0, 0], [0.1, 0.2])).toThrow(/at least one positive/);
    expect(() => prAuc([0, 0], [0.1, 0.2])).toThrow(/at least one positive/);
    expect(() => chooseThreshold([0, 0], [0.1, 0.2])).toThrow(/at least one positive/);
    expect(prAuc([1, 1], [0.1, 0.2])).toBe(1);
    expect(brierScore([1, 1], [1, 0.5])).toBe(0.125);
  });

  it('rejects a threshold that is not a number', () => {
    expect(() => precisionRecallF1([0, 1], [0.1, 0.2], Number.NaN)).toThrow(/threshold is NaN/);
    expect(() => evaluateBinary([0, 1], [0.1, 0.2], Number.POSITIVE_INFINITY)).toThrow(/finite/);
  });
});
