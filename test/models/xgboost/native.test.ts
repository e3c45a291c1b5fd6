import { afterEach, describe, expect, it, vi } from 'vitest';

import { UserError } from '../../../src/core/errors/index.js';
import { openXGBoost } from '../../../src/core/models/xgboost/native.js';

const MISSING = '/nonexistent/libxgboost.so';

describe('loading libxgboost', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('says how to install the library when it cannot be loaded', () => {
    try {
      openXGBoost(MISSING);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).message).toContain(MISSING);
      expect((error as UserError).fix).toContain('apt-get install libxgboost-dev');
    }
  });

  it('takes the library path from HEALTHPREDICT_XGBOOST_LIB, on first use', async () => {
    vi.stubEnv('HEALTHPREDICT_XGBOOST_LIB', MISSING);
    const missing = await import('../../../src/core/models/xgboost/native.js');
    expect(() => missing.xgboostVersion()).toThrow(/from HEALTHPREDICT_XGBOOST_LIB/);

    vi.resetModules();
    vi.stubEnv('HEALTHPREDICT_XGBOOST_LIB', '/usr/lib/x86_64-linux-gnu/libxgboost.so.0');
    const found = await import('../../../src/core/models/xgboost/native.js');
    expect(found.xgboostVersion()).toEqual([1, 7, 4]);
  });
});
