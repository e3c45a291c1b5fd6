/**
 * Values written the way MLflow's Python code writes them, so that a file from this store reads the same as
 * one MLflow wrote: a metric value is `str(float)`, a param or tag value is `str(value)`.
 */

/** Python's `repr(float)`: the shortest digits that round-trip, in fixed notation for exponents -4 to 15. */
export function pythonFloatRepr(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';

  // toExponential() without an argument gives the same shortest round-trip digits as Python's repr.
  const [mantissa, exponentText] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  const sign = value < 0 ? '-' : '';
  const digits = mantissa.replace('-', '').replace('.', '');

  if (exponent < -4 || exponent >= 16) {
    const fraction = digits.length > 1 ? `.${digits.slice(1)}` : '';
    const exponentSign = exponent < 0 ? '-' : '+';
    return `${sign}${digits[0]}${fraction}e${exponentSign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  const integer = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
  return `${sign}${integer}.${digits.slice(exponent + 1) || '0'}`;
}

/**
 * Python's `str(value)` for a param value. A JavaScript number does not say whether it was an int or a
 * float, so integral values are written as Python writes an int (`5`, not `5.0`).
 */
export function pythonStr(value: string | number | boolean): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (Number.isInteger(value) && Math.abs(value) < 1e16) return String(value);
  return pythonFloatRepr(value);
}

/** Python's `float(text)`, which also accepts `nan`, `inf` and `-inf` as MLflow writes them. */
export function parsePythonFloat(text: string): number {
  const trimmed = text.trim();
  if (/^[+-]?(inf|infinity)$/i.test(trimmed)) return trimmed.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(trimmed)) return NaN;
  const value = /^[+-]?(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(e[+-]?\d+)?$/i.test(trimmed)
    ? Number(trimmed.replace(/_/g, ''))
    : NaN;
  if (Number.isNaN(value)) throw new Error(`"${text}" is not a number`);
  return value;
}
