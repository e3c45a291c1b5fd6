import { UserError } from '../errors/index.js';
import type { ColumnDriftResult } from './column-drift.js';

export interface DatasetDriftOptions {
  /** The share of drifted columns at which the dataset drifts. Default 0.5, as Evidently's `drift_share`. */
  driftShare?: number;
}

export interface DatasetDriftResult {
  nColumns: number;
  nDrifted: number;
  /** nDrifted / nColumns. */
  share: number;
  driftShare: number;
  /** share >= driftShare. */
  datasetDrift: boolean;
  columns: ColumnDriftResult[];
}

/**
 * Evidently's dataset drift rule (`get_dataset_drift` in calculations/data_drift.py): the dataset drifts when
 * the share of drifted columns reaches the drift share.
 *
 * @param columns - the per-column results, at least one
 * @param options - see {@link DatasetDriftOptions}
 * @returns the counts, the share and the verdict, with the columns
 */
export function datasetDrift(
  columns: ColumnDriftResult[],
  options: DatasetDriftOptions = {},
): DatasetDriftResult {
  const { driftShare = 0.5 } = options;
  if (!Array.isArray(columns) || columns.length === 0) {
    throw new RangeError('datasetDrift: needs the results of at least one column');
  }
  if (!(driftShare >= 0 && driftShare <= 1)) {
    throw new UserError(
      `drift share ${String(driftShare)} is not between 0 and 1`,
      'give a share such as 0.5',
    );
  }

  const nDrifted = columns.filter((column) => column.drifted).length;
  const share = nDrifted / columns.length;
  return {
    nColumns: columns.length,
    nDrifted,
    share,
    driftShare,
    datasetDrift: share >= driftShare,
    columns,
  };
}
