/** How a column is tested: numbers, or labels. */
export type ColumnKind = 'numeric' | 'categorical';

/** A category label: strings for categorical columns, numbers when a numeric column is tested by category. */
export type Category = string | number;

/** Values of a numeric column; null, undefined, NaN and ±Infinity are missing and dropped. */
export type NumericValues = ArrayLike<number | null | undefined>;

/** Values of a categorical column; null and undefined are missing and dropped. */
export type CategoricalValues = ArrayLike<string | null | undefined>;

/** The drift tests, by Evidently's names for them. */
export type StatTestName = 'ks' | 'chisquare' | 'z' | 'wasserstein' | 'jensenshannon';

/** A test result: a p-value (drift when small) or a distance (drift when large). */
export type ScoreKind = 'p-value' | 'distance';
