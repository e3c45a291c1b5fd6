import { describe, expect, it } from 'vitest';

import {
  chi2Sf,
  kstwoSf,
  logGamma,
  normalSf,
  regularizedGammaQ,
  smirnovSf,
} from '../../src/core/drift/index.js';
import { expectScipy, fixture } from './fixture.js';

describe('special functions against scipy 1.10', () => {
  it('logGamma matches scipy.special.gammaln', () => {
    for (const [x, expected] of fixture.grids.logGamma) {
      expect(Math.abs(logGamma(x) - expected), `gammaln(${x})`).toBeLessThanOrEqual(
        1e-12 * Math.max(1, Math.abs(expected)),
      );
    }
  });

  it('chi2Sf matches scipy.stats.chi2.sf, including tails far below 1e-100', () => {
    for (const [x, dof, expected] of fixture.grids.chi2Sf)
      expectScipy(chi2Sf(x, dof), expected, `chi2.sf(${x}, ${dof})`);
  });

  it('normalSf matches scipy.stats.norm.sf in both tails', () => {
    for (const [z, expected] of fixture.grids.normalSf) expectScipy(normalSf(z), expected, `norm.sf(${z})`);
  });

  it('smirnovSf matches scipy.special.smirnov', () => {
    for (const [n, d, expected] of fixture.grids.smirnovSf)
      expectScipy(smirnovSf(n, d), expected, `smirnov(${n}, ${d})`);
  });

  it('kstwoSf matches scipy.stats.kstwo.sf on every branch of _kolmogn', () => {
    for (const [n, d, expected] of fixture.grids.kstwoSf)
      expectScipy(kstwoSf(d, n), expected, `kstwo.sf(${d}, ${n})`);
  });

  it('answers NaN or the limits outside the domain, as scipy does', () => {
    expect(chi2Sf(3, 0)).toBeNaN();
    expect(chi2Sf(0, 4)).toBe(1);
    expect(chi2Sf(Number.POSITIVE_INFINITY, 4)).toBe(0);
    expect(regularizedGammaQ(-1, 2)).toBeNaN();
    expect(regularizedGammaQ(2, -1)).toBeNaN();
    expect(normalSf(0)).toBe(0.5);
    expect(normalSf(Number.NaN)).toBeNaN();
    expect(smirnovSf(0, 0.5)).toBeNaN();
    expect(smirnovSf(10, 1.5)).toBeNaN();
    expect(kstwoSf(0.5, 2.5)).toBeNaN();
    expect(kstwoSf(0.01, 10)).toBe(1);
    expect(kstwoSf(1, 10)).toBe(0);
  });
});
