import { TARGET_COLUMN } from '../data/contract.js';
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
  return { table, matrix, labels: Float32Array.from(classes), classes };
}

export function labelsOf(table: Table): Uint8Array {
  const index = table.columns.indexOf(TARGET_COLUMN);
  if (index < 0)
    throw new Error(`${table.source} has no "${TARGET_COLUMN}" column; it was not written by split`);
  return Uint8Array.from(table.rows, (row) => (row[index] === '1' ? 1 : 0));
}
