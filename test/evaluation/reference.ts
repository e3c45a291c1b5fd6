import { readFileSync } from 'node:fs';

/** The shape of test/fixtures/evaluation/reference.json, written by make-reference.py next to it. */
export interface ScoreSetReference {
  scores: number[];
  rocAuc: number;
  rocCurve: { fpr: number[]; tpr: number[]; thresholds: number[] };
  averagePrecision: number;
  logLoss: number;
  brier: number;
  atThreshold: { threshold: number; precision: number; recall: number; f1: number }[];
  bestF1: { threshold: number; f1: number; precision: number; recall: number; predictedPositives: number };
}

export interface EvaluationReference {
  generator: string;
  labels: number[];
  sets: Record<'continuous' | 'tied' | 'coarse', ScoreSetReference>;
  small: ScoreSetReference & { labels: number[] };
}

export function loadReference(): EvaluationReference {
  const url = new URL('../fixtures/evaluation/reference.json', import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as EvaluationReference;
}

/** The named score sets with their labels, the small hand-made one included. */
export function scoreSets(reference: EvaluationReference): [string, number[], ScoreSetReference][] {
  return [
    ...Object.entries(reference.sets).map(([name, set]): [string, number[], ScoreSetReference] => [
      name,
      reference.labels,
      set,
    ]),
    ['small', reference.small.labels, reference.small],
  ];
}
