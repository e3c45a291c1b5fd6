import type { BatchSummary, ColumnDrift, RocCurve, VisualizeInput } from '../../src/core/reports/types.js';

/**
 * A made-up but plausible monitoring history: five batches of 2,000 rows. The first champion's reference
 * sample is large, so batches 1-3 use distances (drift at >= 0.1); the champion promoted on batch 3 kept a
 * smaller reference, so batches 4-5 use p-values (drift at p < 0.05).
 */

const FEATURES: { column: string; numeric: boolean }[] = [
  { column: 'time_in_hospital', numeric: true },
  { column: 'num_lab_procedures', numeric: true },
  { column: 'num_medications', numeric: true },
  { column: 'number_inpatient', numeric: true },
  { column: 'number_emergency', numeric: true },
  { column: 'number_diagnoses', numeric: true },
  { column: 'age', numeric: false },
  { column: 'admission_type_id', numeric: false },
  { column: 'discharge_disposition_id', numeric: false },
  { column: 'A1Cresult', numeric: false },
  { column: 'insulin', numeric: false },
  { column: 'change', numeric: false },
];

const SCORES: number[][] = [
  [0.03, 0.05, 0.04, 0.12, 0.02, 0.03, 0.02, 0.04, 0.06, 0.03, 0.05, 0.01],
  [0.06, 0.11, 0.08, 0.18, 0.04, 0.05, 0.03, 0.13, 0.07, 0.05, 0.06, 0.02],
  [0.14, 0.16, 0.09, 0.27, 0.05, 0.12, 0.04, 0.19, 0.08, 0.06, 0.07, 0.03],
  [0.41, 0.03, 0.22, 0.008, 0.63, 0.35, 0.72, 0.18, 0.09, 0.51, 0.27, 0.44],
  [0.02, 0.0004, 0.06, 0.00001, 0.31, 0.04, 0.55, 0.001, 0.012, 0.2, 0.08, 0.37],
];

function columnsFor(batchIndex: number): ColumnDrift[] {
  const pValues = batchIndex >= 3;
  return FEATURES.map(({ column, numeric }, i) => {
    const score = SCORES[batchIndex][i];
    if (!pValues) {
      const stattest = numeric ? 'wasserstein' : 'jensenshannon';
      return { column, stattest, score, threshold: 0.1, drifted: score >= 0.1 };
    }
    const stattest = numeric ? 'ks' : column === 'change' ? 'z' : 'chisquare';
    return { column, stattest, score, threshold: 0.05, drifted: score < 0.05 };
  });
}

const OUTCOMES: Pick<
  BatchSummary,
  'championVersion' | 'championAuc' | 'challengerAuc' | 'retrained' | 'promoted' | 'noiseShareP95'
>[] = [
  {
    championVersion: 'v1',
    championAuc: 0.681,
    challengerAuc: null,
    retrained: false,
    promoted: false,
    noiseShareP95: 1 / 6,
  },
  {
    championVersion: 'v1',
    championAuc: 0.672,
    challengerAuc: null,
    retrained: false,
    promoted: false,
    noiseShareP95: 1 / 6,
  },
  {
    championVersion: 'v1',
    championAuc: 0.655,
    challengerAuc: 0.702,
    retrained: true,
    promoted: true,
    noiseShareP95: 1 / 6,
  },
  {
    championVersion: 'v2',
    championAuc: 0.694,
    challengerAuc: null,
    retrained: false,
    promoted: false,
    noiseShareP95: 0.25,
  },
  {
    championVersion: 'v2',
    championAuc: 0.664,
    challengerAuc: 0.671,
    retrained: true,
    promoted: false,
    noiseShareP95: 0.25,
  },
];

export function fabricatedBatches(): BatchSummary[] {
  return OUTCOMES.map((outcome, index) => {
    const columns = columnsFor(index);
    const driftShare = columns.filter((c) => c.drifted).length / columns.length;
    const driftShareThreshold = 0.3;
    return {
      batch: index + 1,
      rows: 2000,
      driftShare,
      driftShareThreshold,
      datasetDrift: driftShare >= driftShareThreshold,
      columns,
      ...outcome,
    };
  });
}

/** A concave curve tpr = fpr^(1/k) has AUC k / (k + 1), so k is chosen from the AUC wanted. */
function powerRoc(label: string, auc: number): RocCurve {
  const k = auc / (1 - auc);
  const fpr = Array.from({ length: 41 }, (_, i) => i / 40);
  const tpr = fpr.map((x) => Math.round(x ** (1 / k) * 1e4) / 1e4);
  return { label, auc, fpr, tpr };
}

export function fabricatedInput(): VisualizeInput {
  return {
    title: 'healthpredict: readmission model monitoring',
    generatedAt: '2024-05-02T09:30:00Z',
    batches: fabricatedBatches(),
    rocCurves: [
      powerRoc('champion v1 on the test split', 0.689),
      powerRoc('challenger v2 on batch 3', 0.702),
      powerRoc('challenger v3 on batch 5', 0.671),
    ],
    referenceAuc: 0.689,
    notes: [
      'Batch 5: the challenger beat the champion by 0.007, below the gate margin of 0.01, so v2 stayed.',
    ],
  };
}
