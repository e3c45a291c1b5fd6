import { describe, expect, it } from 'vitest';

import { UserError } from '../../src/core/errors/index.js';
import { columnDrift, datasetDrift, type ColumnDriftResult } from '../../src/core/drift/index.js';
import { caseInputs, expectScipy, fixture } from './fixture.js';

describe('columnDrift and datasetDrift reproduce Evidently on the fixture', () => {
  for (const testCase of fixture.cases) {
    it(`${testCase.name}: ${testCase.description}`, () => {
      const columns = caseInputs(testCase).map((input) => columnDrift(input));
      for (const result of columns) {
        const expected = testCase.columns[result.column];
        const where = `${testCase.name}/${result.column}`;
        expect(result.stattest, where).toBe(expected.default.stattest);
        expect(result.threshold, where).toBe(expected.default.threshold);
        expect(result.drifted, where).toBe(expected.default.drifted);
        expect([result.referenceSize, result.currentSize, result.nUnique], where).toEqual([
          expected.referenceSize,
          expected.currentSize,
          expected.nUnique,
        ]);
        // Evidently scores z with 2 * (1 - cdf); ours is the normal sf, equal to it to double precision.
        const score =
          result.stattest === 'z' ? (expected.z?.pValue ?? expected.default.score) : expected.default.score;
        expectScipy(result.score, score, `${where} score`);
      }
      const dataset = datasetDrift(columns);
      expect({ ...dataset, columns: undefined, driftShare: undefined }).toEqual({
        ...testCase.dataset,
        columns: undefined,
        driftShare: undefined,
      });
    });
  }
});

describe('columnDrift', () => {
  it('drops null, undefined, NaN and infinities before testing', () => {
    const result = columnDrift({
      name: 'x',
      kind: 'numeric',
      reference: [1, 2, null, 3, Number.NaN, 4, 5, 6, undefined, Number.POSITIVE_INFINITY],
      current: Float64Array.from([1, 2, 3, 4, 5, Number.NaN, 6]),
    });
    expect(result).toMatchObject({
      referenceSize: 6,
      currentSize: 6,
      stattest: 'ks',
      score: 1,
      drifted: false,
    });
  });

  it('uses a forced test and threshold', () => {
    const result = columnDrift({
      name: 'x',
      kind: 'numeric',
      reference: [1, 2, 3, 4, 5, 6, 7, 8],
      current: [2, 3, 4, 5, 6, 7, 8, 9],
      stattest: 'wasserstein',
      threshold: 0.4,
    });
    expect(result.stattest).toBe('wasserstein');
    expect(result.scoreKind).toBe('distance');
    expect(result.statistic).toBeCloseTo(1, 14);
    expect(result.score).toBeCloseTo(1 / Math.sqrt(5.25), 14);
    expect(result.threshold).toBe(0.4);
    expect(result.drifted).toBe(true);
  });

  it('tests a numeric column with few values by category, as Evidently does', () => {
    const result = columnDrift({
      name: 'flag',
      kind: 'numeric',
      reference: [0, 1, 1, 0, 1],
      current: [1, 1, 1],
    });
    expect(result.stattest).toBe('z');
    expect(
      columnDrift({ name: 'n', kind: 'numeric', reference: [0, 1, 2], current: [2], stattest: 'chisquare' })
        .stattest,
    ).toBe('chisquare');
  });

  it('tells the user when a column has no values left or a test does not fit it', () => {
    expect(() =>
      columnDrift({ name: 'x', kind: 'numeric', reference: [null, Number.NaN], current: [1] }),
    ).toThrow(UserError);
    expect(() => columnDrift({ name: 'c', kind: 'categorical', reference: ['a'], current: [null] })).toThrow(
      /current/,
    );
    expect(() =>
      columnDrift({ name: 'c', kind: 'categorical', reference: ['a'], current: ['b'], stattest: 'ks' }),
    ).toThrow(UserError);
    expect(() =>
      columnDrift({
        name: 'c',
        kind: 'categorical',
        reference: ['a'],
        current: ['b'],
        stattest: 'psi' as 'ks',
      }),
    ).toThrow(/unknown drift test/);
    expect(() =>
      columnDrift({ name: 'c', kind: 'categorical', reference: ['a'], current: ['b'], threshold: -1 }),
    ).toThrow(UserError);
  });

  it('rejects values of the wrong type as a programming error', () => {
    expect(() =>
      columnDrift({ name: 'x', kind: 'numeric', reference: ['1'] as unknown as number[], current: [1] }),
    ).toThrow(TypeError);
    expect(() =>
      columnDrift({ name: 'c', kind: 'categorical', reference: [1] as unknown as string[], current: ['a'] }),
    ).toThrow(TypeError);
    expect(() => columnDrift({ name: '', kind: 'numeric', reference: [1], current: [1] })).toThrow(TypeError);
  });
});

describe('datasetDrift', () => {
  const column = (drifted: boolean, index: number): ColumnDriftResult => ({
    column: `c${index}`,
    kind: 'numeric',
    stattest: 'ks',
    scoreKind: 'p-value',
    score: drifted ? 0.01 : 0.5,
    statistic: 0.1,
    threshold: 0.05,
    drifted,
    referenceSize: 10,
    currentSize: 10,
    nUnique: 10,
  });

  it('declares dataset drift when the share of drifted columns reaches the drift share', () => {
    const columns = [true, true, false, false].map(column);
    expect(datasetDrift(columns)).toMatchObject({
      nColumns: 4,
      nDrifted: 2,
      share: 0.5,
      driftShare: 0.5,
      datasetDrift: true,
    });
    expect(datasetDrift(columns, { driftShare: 0.51 }).datasetDrift).toBe(false);
    expect(datasetDrift([false, false].map(column), { driftShare: 0 }).datasetDrift).toBe(true);
    expect(datasetDrift(columns).columns).toBe(columns);
  });

  it('needs at least one column and a share in [0, 1]', () => {
    expect(() => datasetDrift([])).toThrow(RangeError);
    expect(() => datasetDrift([column(true, 0)], { driftShare: 1.5 })).toThrow(UserError);
  });
});
