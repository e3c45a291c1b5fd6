import type { Table } from '../data/table.js';
import type { Matrix } from '../models/types.js';
import { sha256 } from '../util/files.js';
import { engineer, INPUT_COLUMNS, type EngineeredColumns } from './engineer.js';

/**
 * The fitted preprocessor, serialised as JSON beside every model: numeric inputs standardised with the
 * training mean and standard deviation (missing stays NaN for the trees and becomes 0, the mean, after
 * standardisation for the linear model), categorical inputs one-hot encoded with the vocabulary seen in
 * training and an `other` bucket for unseen or rare values.
 */
export interface PreprocessorSpec {
  format: 'healthpredict-preprocessor/1';
  numeric: { name: string; mean: number; std: number }[];
  categorical: { name: string; vocabulary: string[] }[];
  featureNames: string[];
  minCategoryCount: number;
  /** sha256 of the spec's canonical JSON without this field. */
  hash: string;
}

export const OTHER_CATEGORY = 'other';

export interface FitPreprocessorOptions {
  /** Values seen fewer times than this in training go to the `other` bucket (default 10). */
  minCategoryCount?: number;
}

export function fitPreprocessor(train: Table, options: FitPreprocessorOptions = {}): PreprocessorSpec {
  const minCategoryCount = options.minCategoryCount ?? 10;
  const columns = engineer(train);

  const numeric = INPUT_COLUMNS.filter((c) => c.kind === 'numeric').map(({ name }) => {
    const { mean, std } = meanAndStd(columns.numeric.get(name) as Float64Array);
    return { name, mean, std };
  });
  const categorical = INPUT_COLUMNS.filter((c) => c.kind === 'categorical').map(({ name }) => {
    const counts = new Map<string, number>();
    for (const value of columns.categorical.get(name) as string[])
      counts.set(value, (counts.get(value) ?? 0) + 1);
    const vocabulary = [...counts]
      .filter(([value, count]) => count >= minCategoryCount && value !== OTHER_CATEGORY)
      .map(([value]) => value)
      .sort();
    return { name, vocabulary };
  });

  const featureNames = [
    ...numeric.map((c) => c.name),
    ...categorical.flatMap((c) => [...c.vocabulary, OTHER_CATEGORY].map((value) => `${c.name}=${value}`)),
  ];
  const body = {
    format: 'healthpredict-preprocessor/1' as const,
    numeric,
    categorical,
    featureNames,
    minCategoryCount,
  };
  return { ...body, hash: sha256(JSON.stringify(body)) };
}

export interface TransformOptions {
  /** Replace missing numeric values by 0 (the training mean after standardisation); the linear model needs it. */
  imputeMissing?: boolean;
}

export function transform(spec: PreprocessorSpec, table: Table, options: TransformOptions = {}): Matrix {
  return transformEngineered(spec, engineer(table), options);
}

export function transformEngineered(
  spec: PreprocessorSpec,
  columns: EngineeredColumns,
  options: TransformOptions = {},
): Matrix {
  const rows = columns.rows;
  const cols = spec.featureNames.length;
  const data = new Float32Array(rows * cols);

  spec.numeric.forEach(({ name, mean, std }, j) => {
    const values = columns.numeric.get(name) as Float64Array;
    const scale = std > 0 ? 1 / std : 1;
    for (let r = 0; r < rows; r++) {
      const standardised = (values[r] - mean) * scale;
      data[r * cols + j] = Number.isNaN(standardised) && options.imputeMissing ? 0 : standardised;
    }
  });

  let offset = spec.numeric.length;
  for (const { name, vocabulary } of spec.categorical) {
    const values = columns.categorical.get(name) as string[];
    const position = new Map(vocabulary.map((value, k) => [value, k]));
    for (let r = 0; r < rows; r++) {
      const k = position.get(values[r]) ?? vocabulary.length;
      data[r * cols + offset + k] = 1;
    }
    offset += vocabulary.length + 1;
  }
  return { data, rows, cols };
}

/** Checks that a spec read from JSON is whole and unaltered. */
export function verifyPreprocessor(spec: PreprocessorSpec): boolean {
  const { hash, ...body } = spec;
  return sha256(JSON.stringify(body)) === hash;
}

function meanAndStd(values: Float64Array): { mean: number; std: number } {
  let sum = 0;
  let count = 0;
  for (const value of values) {
    if (!Number.isNaN(value)) {
      sum += value;
      count++;
    }
  }
  const mean = count > 0 ? sum / count : 0;
  let squares = 0;
  for (const value of values) if (!Number.isNaN(value)) squares += (value - mean) ** 2;
  return { mean, std: count > 1 ? Math.sqrt(squares / count) : 0 };
}
