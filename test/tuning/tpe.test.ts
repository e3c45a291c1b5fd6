import { describe, expect, it } from 'vitest';

import { sampleUniform, type SearchSpace } from '../../src/core/tuning/space.js';
import { proposeTpe, type Observation } from '../../src/core/tuning/tpe.js';
import { Random } from '../../src/core/util/random.js';

const space: SearchSpace = {
  x: { type: 'float', low: 0, high: 1 },
  depth: { type: 'int', low: 2, high: 10 },
  rate: { type: 'float', low: 0.001, high: 1, log: true },
  kind: { type: 'choice', values: ['a', 'b', 'c'] },
};

/** Best at x = 0.7, depth = 6, rate = 0.05, kind = b. */
function objective(params: Record<string, string | number>): number {
  return (
    -((Number(params.x) - 0.7) ** 2) -
    ((Number(params.depth) - 6) / 8) ** 2 -
    ((Math.log(Number(params.rate)) - Math.log(0.05)) / 7) ** 2 -
    (params.kind === 'b' ? 0 : 0.05)
  );
}

function search(
  propose: (history: Observation[], random: Random) => Record<string, string | number>,
  seed: number,
) {
  const random = new Random(seed);
  const history: Observation[] = [];
  for (let i = 0; i < 40; i++) {
    const params = propose(history, random);
    history.push({ params, score: objective(params) });
  }
  return history;
}

describe('proposeTpe', () => {
  it('stays inside the space and is reproducible under a seed', () => {
    const a = search((h, r) => proposeTpe(space, h, r), 3);
    const b = search((h, r) => proposeTpe(space, h, r), 3);
    expect(a).toEqual(b);
    for (const { params } of a) {
      expect(Number(params.x)).toBeGreaterThanOrEqual(0);
      expect(Number(params.x)).toBeLessThanOrEqual(1);
      expect(Number.isInteger(params.depth)).toBe(true);
      expect(['a', 'b', 'c']).toContain(params.kind);
    }
  });

  it('finds better parameters than uniform sampling on average over seeds', () => {
    const lastTen = (history: Observation[]) => history.slice(-10).reduce((s, o) => s + o.score, 0) / 10;
    let tpe = 0;
    let uniform = 0;
    for (let seed = 1; seed <= 8; seed++) {
      tpe += lastTen(search((h, r) => proposeTpe(space, h, r), seed));
      uniform += lastTen(search((_, r) => sampleUniform(space, r), seed));
    }
    expect(tpe).toBeGreaterThan(uniform);
  });
});
