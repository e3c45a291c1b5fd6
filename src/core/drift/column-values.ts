import type { CategoricalValues, ColumnKind, NumericValues } from './types.js';

/**
 * The values Evidently tests: numeric columns lose null, undefined, NaN and ±Infinity (it turns infinities
 * into NaN and drops NaN), categorical columns lose null and undefined.
 *
 * @param values - the raw column
 * @param kind - the column kind, which says what a valid value is
 * @param label - names the column in errors
 * @returns the present values: a Float64Array for numeric columns, strings for categorical ones
 */
export function presentValues(values: NumericValues, kind: 'numeric', label: string): Float64Array;
export function presentValues(values: CategoricalValues, kind: 'categorical', label: string): string[];
export function presentValues(
  values: NumericValues | CategoricalValues,
  kind: ColumnKind,
  label: string,
): Float64Array | string[];
export function presentValues(
  values: NumericValues | CategoricalValues,
  kind: ColumnKind,
  label: string,
): Float64Array | string[] {
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
    throw new TypeError(`${label}: values must be an array`);
  }
  return kind === 'numeric' ? presentNumbers(values as NumericValues, label) : presentLabels(values, label);
}

function presentNumbers(values: NumericValues, label: string): Float64Array {
  if (values instanceof Float64Array) return values.filter(Number.isFinite);
  const out = new Float64Array(values.length);
  let size = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === null || value === undefined) continue;
    if (typeof value !== 'number')
      throw new TypeError(`${label}: a numeric column holds ${JSON.stringify(value)}`);
    if (Number.isFinite(value)) out[size++] = value;
  }
  return out.slice(0, size);
}

function presentLabels(values: NumericValues | CategoricalValues, label: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === null || value === undefined) continue;
    if (typeof value !== 'string')
      throw new TypeError(`${label}: a categorical column holds ${String(value)}`);
    out.push(value);
  }
  return out;
}
