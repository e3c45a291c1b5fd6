import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { DEFAULTS, loadConfig } from '../../src/core/config/index.js';
import { UserError } from '../../src/core/errors/index.js';

describe('loadConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hp-config-'));
  writeFileSync(join(dir, 'healthpredict.config.yaml'), 'seed: 7\nstore: /from/file\nhpoTrials: 5\n');

  it('takes flags over environment over file over defaults, and says where each came from', () => {
    const resolved = loadConfig({
      cwd: dir,
      flags: { store: '/from/flag' },
      env: { HEALTHPREDICT_SEED: '9', MLFLOW_TRACKING_URI: '/from/env/mlruns' },
    });
    expect(resolved.values.store).toBe('/from/flag');
    expect(resolved.values.seed).toBe(9);
    expect(resolved.values.trackingUri).toBe('/from/env/mlruns');
    expect(resolved.values.hpoTrials).toBe(5);
    expect(resolved.values.maxAucDrop).toBe(DEFAULTS.maxAucDrop);
    expect(resolved.sources.store).toEqual({ source: 'flag' });
    expect(resolved.sources.seed).toEqual({ source: 'env', detail: 'HEALTHPREDICT_SEED' });
    expect(resolved.sources.hpoTrials.source).toBe('file');
    expect(resolved.sources.maxAucDrop.source).toBe('default');
  });

  it('names the variable of a value that is not a number', () => {
    expect(() => loadConfig({ cwd: dir, env: { HEALTHPREDICT_SEED: 'seven' } })).toThrow(
      /environment variable HEALTHPREDICT_SEED must be a number/,
    );
  });

  it('rejects unknown fields and unparseable files', () => {
    const bad = mkdtempSync(join(tmpdir(), 'hp-config-'));
    writeFileSync(join(bad, 'healthpredict.config.json'), '{"sede": 1}');
    expect(() => loadConfig({ cwd: bad, env: {} })).toThrow(UserError);
    expect(() => loadConfig({ cwd: bad, env: {} })).toThrow(/unknown field "sede"/);
    writeFileSync(join(bad, 'broken.json'), '{');
    expect(() => loadConfig({ cwd: bad, env: {}, configFile: 'broken.json' })).toThrow(/cannot be parsed/);
  });
});

describe('loadConfig ranges', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hp-config-'));

  it('checks the range of a value from any source, naming where it came from', () => {
    expect(() => loadConfig({ cwd: dir, env: { HEALTHPREDICT_HPO_TRIALS: '0' } })).toThrow(
      'environment variable HEALTHPREDICT_HPO_TRIALS must be a whole number from 1 to 10000, got 0',
    );
    expect(() => loadConfig({ cwd: dir, env: { HEALTHPREDICT_MAX_AUC_DROP: '-1' } })).toThrow(/from 0 to 1/);
    expect(() => loadConfig({ cwd: dir, env: { HEALTHPREDICT_BATCHES: '500' } })).toThrow(/from 1 to 99/);
    expect(() => loadConfig({ cwd: dir, env: { HEALTHPREDICT_HPO_TRIALS: '2.5' } })).toThrow(/whole number/);
    expect(() => loadConfig({ cwd: dir, env: {}, flags: { threads: 0 } })).toThrow(/the flag for threads/);
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'seed: 1.5\n');
    expect(() => loadConfig({ cwd: dir, env: {}, configFile: 'bad.yaml' })).toThrow(/field "seed" must be a whole number/);
  });
});
