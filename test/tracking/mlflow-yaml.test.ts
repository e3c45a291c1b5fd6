import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import {
  dumpMlflowYaml,
  parseMlflowYaml,
  yamlNumber,
  yamlString,
} from '../../src/core/tracking/mlflow-yaml.js';
import { FIXTURE_ROOT, listTree } from './filestore-tree.js';

describe('dumpMlflowYaml', () => {
  it('rewrites every meta.yaml MLflow wrote to the same bytes', async () => {
    const files = (await listTree(FIXTURE_ROOT)).filter((file) => file.endsWith('meta.yaml'));
    expect(files).toHaveLength(10);
    for (const file of files) {
      const text = await readFile(join(FIXTURE_ROOT, file), 'utf8');
      expect({ file, text: dumpMlflowYaml(parseMlflowYaml(text, file)) }).toEqual({ file, text });
    }
  });

  it('sorts keys, writes null and empty collections as PyYAML does', () => {
    expect(dumpMlflowYaml({ name: 'x', aliases: {}, tags: [], description: null })).toBe(
      'aliases: {}\ndescription: null\nname: x\ntags: []\n',
    );
  });

  it('does not indent a sequence under its key', () => {
    expect(dumpMlflowYaml({ aliases: ['champion', 'challenger'] })).toBe(
      'aliases:\n- champion\n- challenger\n',
    );
  });

  it('quotes strings that YAML 1.1 (PyYAML) would read as another type', () => {
    const values = [
      '0',
      '175220444412154219',
      'yes',
      'on',
      'No',
      'y',
      '1_000',
      '1:30',
      '012',
      '.inf',
      '~',
      '=',
    ];
    for (const value of values) {
      expect(dumpMlflowYaml({ value })).toBe(`value: '${value}'\n`);
      expect(parseMlflowYaml(dumpMlflowYaml({ value }), 'test').value).toBe(value);
    }
    expect(dumpMlflowYaml({ value: '' })).toBe("value: ''\n");
    expect(dumpMlflowYaml({ value: 'file:///srv/mlruns/0' })).toBe('value: file:///srv/mlruns/0\n');
  });
});

describe('parseMlflowYaml', () => {
  it('keeps every digit of an experiment id written unquoted by an old MLflow', () => {
    const meta = parseMlflowYaml('experiment_id: 175220444412154219\ncreation_time: 1796287750467\n', 'test');
    expect(yamlString(meta, 'experiment_id')).toBe('175220444412154219');
    expect(yamlNumber(meta, 'creation_time')).toBe(1796287750467);
  });

  it('refuses a file that is not a mapping', () => {
    expect(() => parseMlflowYaml('- a\n- b\n', 'meta.yaml')).toThrow(/mapping/);
  });
});
