/**
 * The Jensen-Shannon distance between two discrete distributions, with natural logarithms, as
 * scipy.spatial.distance.jensenshannon(p, q): each vector is first divided by its own sum, and the result is
 * the square root of the divergence.
 *
 * @param p - non-negative weights, not all zero
 * @param q - non-negative weights, not all zero, same length as p
 * @returns the distance, between 0 and sqrt(ln 2)
 */
export function jensenShannonDistance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  if (p.length !== q.length || p.length === 0) {
    throw new RangeError('jensenShannonDistance: p and q must be non-empty and of the same length');
  }
  const pSum = total(p, 'p');
  const qSum = total(q, 'q');

  let divergence = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i] / pSum;
    const qi = q[i] / qSum;
    const mi = (pi + qi) / 2;
    divergence += relativeEntropy(pi, mi) + relativeEntropy(qi, mi);
  }
  return Math.sqrt(divergence / 2);
}

/** scipy.special.rel_entr: x ln(x / y), 0 when x is 0. */
function relativeEntropy(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Number.POSITIVE_INFINITY;
}

function total(values: ArrayLike<number>, label: string): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    if (!(values[i] >= 0))
      throw new RangeError(`jensenShannonDistance: ${label} holds a negative or NaN weight`);
    sum += values[i];
  }
  if (!(sum > 0)) throw new RangeError(`jensenShannonDistance: ${label} sums to zero`);
  return sum;
}
