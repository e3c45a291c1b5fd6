import { describe, expect, it } from 'vitest';

import { calibrate, type CalibrationColumn } from '../../src/core/drift/index.js';
import { UserError } from '../../src/core/errors/index.js';
import { Random } from '../../src/core/util/random.js';

function reference(rows: number, seed: number): CalibrationColumn[] {
  const random = new Random(seed);
  const ages = ['[40-50)', '[50-60)', '[60-70)', '[70-80)'];
  const numbers = Float64Array.from({ length: rows }, () => 50 + 10 * random.normal());
  return [
    { name: 'labs', kind: 'numeric', values: numbers },
    { name: 'stay', kind: 'numeric', values: Array.from({ length: rows }, () => 1 + random.int(14)) },
    { name: 'age', kind: 'categorical', values: Array.from({ length: rows }, () => ages[random.int(4)]) },
    {
      name: 'change',
      kind: 'categorical',
      values: Array.from({ length: rows }, () => (random.next() < 0.45 ? 'Ch' : 'No')),
    },
    {
      name: 'race',
      kind: 'categorical',
      values: Array.from({ length: rows }, (_, i) =>
        i % 17 === 0 ? null : random.next() < 0.7 ? 'Caucasian' : 'Other',
      ),
    },
  ];
}

describe('calibrate', () => {
  it('is reproducible from its seed and reports the statistics of the shares it drew', () => {
    const columns = reference(800, 1);
    const first = calibrate({ reference: columns, batchSize: 200, iterations: 40, seed: 7 });
    const again = calibrate({ reference: columns, batchSize: 200, iterations: 40, seed: 7 });
    expect(again).toEqual(first);
    expect(calibrate({ reference: columns, batchSize: 200, iterations: 40, seed: 8 }).shares).not.toEqual(
      first.shares,
    );

    const sorted = [...first.shares].sort((a, b) => a - b);
    expect(first.shares).toHaveLength(40);
    expect(first.mean).toBeCloseTo(first.shares.reduce((s, x) => s + x, 0) / 40, 14);
    expect(first.max).toBe(sorted[39]);
    expect(first.p95).toBeCloseTo(sorted[37] + (sorted[38] - sorted[37]) * 0.05, 14);
    expect(first.shares.every((share) => share >= 0 && share <= 1 && Number.isInteger(share * 5))).toBe(true);
    expect(first.falseAlarmRate).toBe(first.shares.filter((share) => share >= 0.5).length / 40);
  });

  it('keeps the tests Evidently picks for the whole reference, and forced ones', () => {
    const small = calibrate({ reference: reference(800, 2), batchSize: 100, iterations: 5, seed: 1 });
    expect(small.stattests).toEqual({ labs: 'ks', stay: 'ks', age: 'chisquare', change: 'z', race: 'z' });
    const large = calibrate({ reference: reference(3000, 2), batchSize: 100, iterations: 5, seed: 1 });
    expect(large.stattests).toEqual({
      labs: 'wasserstein',
      stay: 'wasserstein',
      age: 'jensenshannon',
      change: 'jensenshannon',
      race: 'jensenshannon',
    });
    const columns = reference(800, 2).map((column) => ({ ...column, stattest: 'jensenshannon' as const }));
    expect(
      Object.values(calibrate({ reference: columns, batchSize: 50, iterations: 3, seed: 1 }).stattests),
    ).toEqual(Array(5).fill('jensenshannon'));
  });

  it('shows KS and z near their 5% level, and chi-squared well above it, on noise alone', () => {
    const result = calibrate({ reference: reference(1000, 3), batchSize: 300, iterations: 200, seed: 11 });
    const { labs, stay, age, change, race } = result.columnDriftRates;
    for (const rate of [labs, stay, change, race]) expect(rate).toBeLessThan(0.1);
    // Evidently's chi-squared is a goodness-of-fit test that takes the reference shares as exact, so
    // between two samples of one size it sees twice the variance it allows for: a quarter of rounds alarm.
    expect(age).toBeGreaterThan(0.15);
    expect(result.falseAlarmRate).toBeLessThan(0.05);
  });

  it('guards its options', () => {
    const columns = reference(50, 4);
    expect(() => calibrate({ reference: columns, batchSize: 0, iterations: 3 })).toThrow(UserError);
    expect(() => calibrate({ reference: columns, batchSize: 10, iterations: 1.5 })).toThrow(UserError);
    expect(() => calibrate({ reference: columns, batchSize: 10, seed: 0.5 })).toThrow(UserError);
    expect(() => calibrate({ reference: [], batchSize: 10 })).toThrow(TypeError);
    const ragged: CalibrationColumn[] = [columns[0], { ...columns[1], values: [1, 2] } as CalibrationColumn];
    expect(() => calibrate({ reference: ragged, batchSize: 10 })).toThrow(TypeError);
  });
});
