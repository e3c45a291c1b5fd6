import { describe, expect, it } from 'vitest';

import {
  binnedShares,
  chiSquareTest,
  chisquare,
  jensenShannonDistance,
  jensenShannonTest,
  populationStd,
  sturgesBinEdges,
  histogramCounts,
  wassersteinDistance,
  wassersteinNormTest,
  zTest,
  type Category,
} from '../../src/core/drift/index.js';
import { caseInputs, expectScipy, fixture } from './fixture.js';

function present(values: ArrayLike<number | string | null | undefined>): Category[] {
  return Array.from(values).filter(
    (v): v is Category => v !== null && v !== undefined && (typeof v === 'string' || Number.isFinite(v)),
  );
}

describe('Evidently stattests reproduced against scipy', () => {
  for (const testCase of fixture.cases) {
    it(`match on every column of ${testCase.name}`, () => {
      for (const input of caseInputs(testCase)) {
        const expected = testCase.columns[input.name];
        const reference = present(input.reference);
        const current = present(input.current);
        const where = `${testCase.name}/${input.name}`;

        if (expected.wasserstein) {
          const result = wassersteinNormTest(reference as number[], current as number[]);
          expectScipy(result.distance, expected.wasserstein.distance, `${where} wasserstein`);
          expectScipy(result.normed, expected.wasserstein.normed, `${where} wasserstein normed`);
        }
        if (expected.chisquare) {
          const result = chiSquareTest(reference, current);
          expectScipy(result.statistic, expected.chisquare.statistic, `${where} chi-squared`);
          expectScipy(result.pValue, expected.chisquare.pValue, `${where} chi-squared p`);
        }
        if (expected.z) {
          const result = zTest(reference, current);
          expectScipy(result.statistic, expected.z.statistic, `${where} z`);
          expectScipy(result.pValue, expected.z.pValue, `${where} z p (normal sf)`);
          // Evidently's own 2 * (1 - cdf) is 0 in the far tail; the two agree to double precision.
          expect(Math.abs(result.pValue - (expected.z.evidentlyPValue as number))).toBeLessThan(1e-15);
        }
        expectScipy(
          jensenShannonTest(reference, current, input.kind).distance,
          expected.jensenshannon,
          `${where} JS`,
        );
      }
    });
  }

  it('gives an infinite statistic and p = 0 when a category appears only in current', () => {
    const result = chiSquareTest(['a', 'b', 'a'], ['a', 'b', 'c']);
    expect(result.statistic).toBe(Number.POSITIVE_INFINITY);
    expect(result.pValue).toBe(0);
    expect(result.dof).toBe(2);
  });

  it('gives no p-value for a single category, as scipy does with no degrees of freedom', () => {
    expect(chiSquareTest(['x', 'x'], ['x']).pValue).toBeNaN();
  });

  it('tests the first label of the sorted union against the rest in the z-test', () => {
    // 'a' is first: reference 1 of 4 is not 'a', current 3 of 4.
    const forward = zTest(['a', 'a', 'a', 'b'], ['a', 'b', 'b', 'b']);
    const swapped = zTest(['b', 'b', 'b', 'a'], ['b', 'a', 'a', 'a']);
    expect(forward.statistic).toBeCloseTo(-Math.sqrt(2), 12);
    expect(swapped.statistic).toBeCloseTo(Math.sqrt(2), 12);
    expect(zTest([10, 9, 9], [9, 9, 9]).statistic).toBeGreaterThan(0);
  });

  it('uses 0.001 as the Wasserstein divisor when the reference is constant', () => {
    const result = wassersteinNormTest([2, 2, 2], [2, 3]);
    expect(result.scale).toBe(0.001);
    expect(result.distance).toBeCloseTo(0.5, 15);
  });

  it('bins like numpy: Sturges edges over both samples, the last bin closed', () => {
    const edges = sturgesBinEdges([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Array.from(edges)).toEqual([0, 1.75, 3.5, 5.25, 7]);
    expect(Array.from(histogramCounts([0, 1.75, 7, 7, 8, -1], edges))).toEqual([1, 1, 0, 2]);
    expect(Array.from(sturgesBinEdges([4, 4]))).toEqual([3.5, 4.5]);
  });

  it('histograms a numeric column only when its reference has more than 20 distinct values', () => {
    const wide = Array.from({ length: 21 }, (_, i) => i);
    expect(binnedShares(wide, [1, 2], 'numeric').binning).toBe('histogram');
    expect(binnedShares(wide.slice(0, 20), [1, 2, 30, 40], 'numeric').binning).toBe('categories');
    expect(binnedShares(wide.map(String), ['1'], 'categorical').binning).toBe('categories');
  });

  it('leaves empty bins at zero in the Jensen-Shannon test', () => {
    const { shares, distance } = jensenShannonTest(['a', 'a'], ['b'], 'categorical');
    expect(Array.from(shares.reference)).toEqual([1, 0]);
    expect(distance).toBeCloseTo(Math.sqrt(Math.log(2)), 15);
  });

  it('guards its inputs', () => {
    expect(() => chisquare([1, 2], [1])).toThrow(RangeError);
    expect(() => chisquare([1, 2], [1, 5])).toThrow(RangeError);
    expect(() => jensenShannonDistance([0, 0], [1, 0])).toThrow(RangeError);
    expect(() => jensenShannonDistance([1, -1], [1, 0])).toThrow(RangeError);
    expect(() => wassersteinDistance([], [1])).toThrow(RangeError);
    expect(() => wassersteinDistance([1, Number.POSITIVE_INFINITY], [1])).toThrow(RangeError);
    expect(() => zTest([], ['a'])).toThrow(RangeError);
    expect(() => chiSquareTest(['a'], [])).toThrow(RangeError);
    expect(() => populationStd([])).toThrow(RangeError);
    expect(() => binnedShares([], [1], 'numeric')).toThrow(RangeError);
  });
});
