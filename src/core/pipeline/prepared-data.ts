import { TARGET_COLUMN } from '../data/contract.js';
import { EXIT_CODES, UserError } from '../errors/index.js';
import type { Table } from '../data/table.js';
import { withoutExcludedDispositions } from '../features/engineer.js';
import { fitPreprocessor, transform, type PreprocessorSpec } from '../features/preprocessor.js';
import type { Matrix } from '../models/types.js';

/** A split made ready for a model: the cleaned rows, their feature matrix and labels. */
export interface PreparedSplit {
  table: Table;
  matrix: Matrix;
  labels: Float32Array;
  /** The same labels as 0/1 bytes, for the metrics. */
  classes: Uint8Array;
}

export interface TrainingSplits {
  train: Table;
  validation: Table;
  test: Table;
}

export interface PreparedData {
  preprocessor: PreprocessorSpec;
  train: PreparedSplit;
  validation: PreparedSplit;
  test: PreparedSplit;
}

/** Cleans the three splits, fits the preprocessor on train and encodes all three with it. */
export function prepareTrainingData(splits: TrainingSplits): PreparedData {
  const train = withoutExcludedDispositions(splits.train);
  const preprocessor = fitPreprocessor(train);
  return {
    preprocessor,
    train: prepareSplit(preprocessor, train),
    validation: prepareSplit(preprocessor, withoutExcludedDispositions(splits.validation)),
    test: prepareSplit(preprocessor, withoutExcludedDispositions(splits.test)),
  };
}

export function prepareSplit(preprocessor: PreprocessorSpec, table: Table): PreparedSplit {
  const matrix = transform(preprocessor, table, { imputeMissing: true });
  const classes = labelsOf(table);
  requireBothClasses(classes, table.source);
  return { table, matrix, labels: Float32Array.from(classes), classes };
}

export function labelsOf(table: Table): Uint8Array {
  const index = table.columns.indexOf(TARGET_COLUMN);
  if (index < 0)
    throw new Error(`${table.source} has no "${TARGET_COLUMN}" column; it was not written by split`);
  return Uint8Array.from(table.rows, (row) => (row[index] === '1' ? 1 : 0));
}

/** Metrics and fits need both classes; a split with one is the user's data, not a bug. */
export function requireBothClasses(classes: Uint8Array, source: string): void {
  const positives = classes.reduce((sum, label) => sum + label, 0);
  if (positives > 0 && positives < classes.length) return;
  throw new UserError(
    `${source} has ${classes.length} usable rows, ${positives === 0 ? 'none' : 'all'} of them positive: ` +
      'a model cannot be trained or measured on one class',
    'use a larger data set (the full diabetic_data.csv has both classes in every split)',
    EXIT_CODES.badInput,
  );
}
