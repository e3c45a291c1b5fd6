import { describe, expect, it } from 'vitest';

import { ks2samp, ksExactPValue } from '../../src/core/drift/index.js';
import { caseInputs, expectScipy, fixture, fixtureCase, modular } from './fixture.js';

function present(values: ArrayLike<number | null | undefined>): Float64Array {
  return Float64Array.from(
    Array.from(values).filter((v): v is number => typeof v === 'number' && Number.isFinite(v)),
  );
}

describe('ks2samp against scipy.stats.ks_2samp (scipy 1.10, two-sided, method auto)', () => {
  for (const name of ['diabetic-small', 'diabetic-large', 'small-samples', 'identical']) {
    it(`matches the statistic and p-value of every numeric column of ${name}`, () => {
      const testCase = fixtureCase(name);
      for (const input of caseInputs(testCase)) {
        const expected = testCase.columns[input.name].ks;
        if (input.kind !== 'numeric' || !expected) continue;
        const result = ks2samp(present(input.reference), present(input.current));
        expectScipy(result.statistic, expected.statistic, `${input.name} statistic`);
        expectScipy(result.pValue, expected.pValue, `${input.name} p-value`);
      }
    });
  }

  for (const ksCase of fixture.ks) {
    it(`matches scipy on ${ksCase.name} (${ksCase.reference[0]} against ${ksCase.current[0]} values)`, () => {
      const result = ks2samp(modular(...ksCase.reference), modular(...ksCase.current));
      expectScipy(result.statistic, ksCase.statistic, 'statistic');
      expectScipy(result.pValue, ksCase.pValue, 'p-value');
      const larger = Math.max(ksCase.reference[0], ksCase.current[0]);
      expect(result.method).toBe(larger <= 10_000 ? 'exact' : 'asymp');
    });
  }

  it('chooses exact up to 10,000 values in the larger sample, as scipy does', () => {
    expect(ks2samp(modular(10_000, 7919, 10007, 1, 0), modular(50, 13, 101, 1, 0)).method).toBe('exact');
    expect(ks2samp(modular(10_001, 7919, 10007, 1, 0), modular(50, 13, 101, 1, 0)).method).toBe('asymp');
    expect(ks2samp([1, 2, 3], [2, 3, 4], { method: 'asymp' }).method).toBe('asymp');
  });

  it('gives a statistic of 0 and a p-value of 1 for identical samples', () => {
    expect(ks2samp([3, 1, 2, 2], [2, 1, 3, 2])).toEqual({ statistic: 0, pValue: 1, method: 'exact' });
  });

  it('counts ties with both CDFs taken to the right of each value', () => {
    // F1 - F2 at 1, 2, 3: 2/4 - 1/2, 3/4 - 1/2, 1 - 1: the gap is 1/4.
    expect(ks2samp([1, 1, 2, 3], [1, 3]).statistic).toBe(0.25);
  });

  it('rejects empty, non-finite and non-array samples', () => {
    expect(() => ks2samp([], [1])).toThrow(RangeError);
    expect(() => ks2samp([1, Number.NaN], [1])).toThrow(RangeError);
    expect(() => ks2samp(null as unknown as number[], [1])).toThrow(TypeError);
    expect(() => ks2samp([1], [2], { method: 'fast' as 'auto' })).toThrow(RangeError);
    expect(() => ksExactPValue(0, 3, 1)).toThrow(RangeError);
  });
});
