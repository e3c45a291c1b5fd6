import { describe, expect, it } from 'vitest';

import {
  ecrRegistryOf,
  formatImageRef,
  parseImageRef,
  targetRepository,
  versionTag,
} from '../../src/core/container/image-ref.js';
import { UserError } from '../../src/core/errors/index.js';

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

describe('parseImageRef', () => {
  // The registry rule is Docker's: a first component with a dot, a colon, or "localhost" is a host.
  it.each([
    ['healthpredict', { repository: 'healthpredict' }],
    ['healthpredict:3-1a2b3c4', { repository: 'healthpredict', tag: '3-1a2b3c4' }],
    [
      '127.0.0.1:5000/healthpredict:3-1a2b3c4',
      { registry: '127.0.0.1:5000', repository: 'healthpredict', tag: '3-1a2b3c4' },
    ],
    ['localhost/team/healthpredict', { registry: 'localhost', repository: 'team/healthpredict' }],
    ['team/healthpredict:latest', { repository: 'team/healthpredict', tag: 'latest' }],
    [
      `127.0.0.1:5000/healthpredict@${DIGEST}`,
      { registry: '127.0.0.1:5000', repository: 'healthpredict', digest: DIGEST },
    ],
    [
      `123456789012.dkr.ecr.eu-west-1.amazonaws.com/healthpredict:3-1a2b3c4@${DIGEST}`,
      {
        registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
        repository: 'healthpredict',
        tag: '3-1a2b3c4',
        digest: DIGEST,
      },
    ],
  ])('reads %s', (reference, expected) => {
    const parsed = parseImageRef(reference);
    expect(parsed).toEqual({ registry: undefined, tag: undefined, digest: undefined, ...expected });
    expect(formatImageRef(parsed)).toBe(reference);
  });

  it.each([
    ['HealthPredict:1', /repository "HealthPredict" must be lower-case/],
    ['healthpredict@sha256:abc', /digest "sha256:abc" is not sha256:<64 hex digits>/],
    ['healthpredict:-1', /the tag "-1" has characters a tag cannot hold/],
  ])('refuses %s', (reference, message) => {
    expect(() => parseImageRef(reference)).toThrow(UserError);
    expect(() => parseImageRef(reference)).toThrow(message);
  });
});

describe('versionTag and targetRepository', () => {
  it('tags <model-version>-<git-sha7>', () => {
    expect(versionTag('12', '2b480f0d2d1086657b90104384674b0dd174a66b')).toBe('12-2b480f0');
    expect(() => versionTag('12', 'not-a-sha')).toThrow(/is not a git commit hash/);
  });

  it('defaults to the local repository healthpredict and refuses a registry with a tag', () => {
    expect(targetRepository('')).toEqual({ repository: 'healthpredict' });
    expect(targetRepository('127.0.0.1:5000/healthpredict')).toMatchObject({ registry: '127.0.0.1:5000' });
    expect(() => targetRepository('127.0.0.1:5000/healthpredict:1')).toThrow(/must name a repository only/);
  });
});

describe('ecrRegistryOf', () => {
  it('reads the account and region of ECR hosts only', () => {
    const ecr = parseImageRef('123456789012.dkr.ecr.eu-west-1.amazonaws.com/healthpredict');
    expect(ecrRegistryOf(ecr)).toEqual({ accountId: '123456789012', region: 'eu-west-1' });
    const china = parseImageRef('123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/healthpredict');
    expect(ecrRegistryOf(china)).toEqual({ accountId: '123456789012', region: 'cn-north-1' });
    expect(ecrRegistryOf(parseImageRef('127.0.0.1:5000/healthpredict'))).toBeUndefined();
    expect(ecrRegistryOf(parseImageRef('public.ecr.aws/team/healthpredict'))).toBeUndefined();
  });
});
