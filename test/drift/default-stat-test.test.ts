import { describe, expect, it } from 'vitest';

import { defaultStatTest, isDrift, STAT_TEST_INFO, STATTESTS } from '../../src/core/drift/index.js';
import { fixture } from './fixture.js';

describe("defaultStatTest follows Evidently's _get_default_stattest", () => {
  it('picks KS, chi-squared and z for a reference of 1,000 rows or fewer', () => {
    expect(defaultStatTest({ referenceSize: 1000, nUnique: 6, kind: 'numeric' })).toBe('ks');
    expect(defaultStatTest({ referenceSize: 1000, nUnique: 5, kind: 'numeric' })).toBe('chisquare');
    expect(defaultStatTest({ referenceSize: 1000, nUnique: 3, kind: 'numeric' })).toBe('chisquare');
    expect(defaultStatTest({ referenceSize: 1000, nUnique: 2, kind: 'numeric' })).toBe('z');
    expect(defaultStatTest({ referenceSize: 10, nUnique: 40, kind: 'categorical' })).toBe('chisquare');
    expect(defaultStatTest({ referenceSize: 10, nUnique: 3, kind: 'categorical' })).toBe('chisquare');
    expect(defaultStatTest({ referenceSize: 10, nUnique: 2, kind: 'categorical' })).toBe('z');
    expect(defaultStatTest({ referenceSize: 10, nUnique: 1, kind: 'categorical' })).toBe('z');
  });

  it('picks the normed Wasserstein and Jensen-Shannon distances above 1,000 rows', () => {
    expect(defaultStatTest({ referenceSize: 1001, nUnique: 6, kind: 'numeric' })).toBe('wasserstein');
    expect(defaultStatTest({ referenceSize: 1001, nUnique: 5, kind: 'numeric' })).toBe('jensenshannon');
    expect(defaultStatTest({ referenceSize: 1001, nUnique: 2, kind: 'numeric' })).toBe('jensenshannon');
    expect(defaultStatTest({ referenceSize: 50_000, nUnique: 300, kind: 'categorical' })).toBe(
      'jensenshannon',
    );
    expect(defaultStatTest({ referenceSize: 50_000, nUnique: 2, kind: 'categorical' })).toBe('jensenshannon');
  });

  it('agrees with the selection make-reference.py reproduced for every fixture column', () => {
    for (const testCase of fixture.cases) {
      for (const [name, column] of Object.entries(testCase.columns)) {
        const input = { referenceSize: column.referenceSize, nUnique: column.nUnique, kind: column.kind };
        expect(defaultStatTest(input), `${testCase.name}/${name}`).toBe(column.default.stattest);
      }
    }
  });

  it('rejects sizes that are not counts and unknown kinds', () => {
    expect(() => defaultStatTest({ referenceSize: -1, nUnique: 3, kind: 'numeric' })).toThrow(RangeError);
    expect(() => defaultStatTest({ referenceSize: 10, nUnique: 2.5, kind: 'numeric' })).toThrow(RangeError);
    expect(() => defaultStatTest({ referenceSize: 10, nUnique: 2, kind: 'text' as 'numeric' })).toThrow(
      RangeError,
    );
  });
});

describe('thresholds and directions', () => {
  it("uses Evidently's default thresholds", () => {
    expect(STATTESTS.map((name) => [name, STAT_TEST_INFO[name].defaultThreshold])).toEqual([
      ['ks', 0.05],
      ['chisquare', 0.05],
      ['z', 0.05],
      ['wasserstein', 0.1],
      ['jensenshannon', 0.1],
    ]);
  });

  it('drifts at p <= threshold for KS but p < threshold for chi-squared and z, as Evidently does', () => {
    expect(isDrift('ks', 0.05, 0.05)).toBe(true);
    expect(isDrift('chisquare', 0.05, 0.05)).toBe(false);
    expect(isDrift('z', 0.05, 0.05)).toBe(false);
    expect(isDrift('z', 0.0499, 0.05)).toBe(true);
  });

  it('drifts at distance >= threshold, and never on a NaN score', () => {
    expect(isDrift('wasserstein', 0.1, 0.1)).toBe(true);
    expect(isDrift('jensenshannon', 0.0999, 0.1)).toBe(false);
    expect(isDrift('chisquare', Number.NaN, 0.05)).toBe(false);
    expect(isDrift('jensenshannon', Number.NaN, 0.1)).toBe(false);
  });
});
