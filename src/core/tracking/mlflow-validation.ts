import { posix } from 'node:path';

import { UserError } from '../errors/index.js';

/**
 * MLflow 2.11's checks on names and values (`mlflow/utils/validation.py`), so that nothing this store accepts
 * is refused by MLflow when it reads the store or by an MLflow server given the same values.
 *
 * One difference on purpose: MLflow truncates a param or tag value over its limit (with a warning) unless
 * `MLFLOW_TRUNCATE_LONG_VALUES=false`; here it is an error, because a truncated hyperparameter silently
 * describes a different run.
 */
export const LIMITS = {
  entityKey: 250,
  paramValue: 6000,
  tagValue: 5000,
  experimentName: 500,
  experimentTagValue: 5000,
  registryTagKey: 250,
  registryTagValue: 5000,
  alias: 255,
} as const;

export type KeyKind = 'metric' | 'param' | 'tag';

/** Alphanumerics (any script, as Python's `\w`), underscores, periods, dashes, spaces and slashes. */
const VALID_KEY = /^[/\p{L}\p{N}_.\- ]*$/u;
const VALID_RUN_ID = /^[a-zA-Z0-9][\w-]{0,255}$/;
const VALID_EXPERIMENT_ID = /^[a-zA-Z0-9][\w-]{0,63}$/;
const VALID_ALIAS = /^[\p{L}\p{N}_-]*$/u;
const VERSION_LIKE_ALIAS = /^[vV]\d+$/;

export function validateKey(kind: KeyKind, key: string, maxLength: number = LIMITS.entityKey): void {
  if (!VALID_KEY.test(key)) {
    throw new UserError(
      `invalid ${kind} name "${key}"`,
      'names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ) and slashes (/)',
    );
  }
  if (resolvesElsewhere(key)) {
    throw new UserError(
      `invalid ${kind} name "${key}": MLflow stores it as a file path and it would resolve to "${posix.normalize(key)}"`,
      'use a name without empty, "." or ".." parts and without a leading or trailing slash',
    );
  }
  validateLength(`${kind} name "${key.slice(0, 40)}"`, key, maxLength);
}

export function validateLength(what: string, value: string, limit: number): void {
  if (value.length > limit) {
    throw new UserError(
      `${what} has ${value.length} characters, more than MLflow's limit of ${limit}`,
      `shorten it to at most ${limit} characters`,
    );
  }
}

export function validateRunId(runId: string): void {
  if (!VALID_RUN_ID.test(runId)) {
    throw new UserError(
      `invalid run id "${runId}"`,
      'a run id is the 32 hexadecimal characters MLflow shows',
    );
  }
}

export function validateExperimentId(experimentId: string): void {
  if (!VALID_EXPERIMENT_ID.test(experimentId)) {
    throw new UserError(`invalid experiment id "${experimentId}"`, 'an experiment id is a number such as 0');
  }
}

export function validateExperimentName(name: string): void {
  if (name === '') throw new UserError('the experiment name is empty', 'give an experiment name');
  validateLength(`experiment name "${name.slice(0, 40)}"`, name, LIMITS.experimentName);
}

export function validateModelName(name: string): void {
  // The FileStore keeps a model in a folder of that name: no separators, no `%`, and never `.` or `..`.
  if (name === '' || name === '.' || name === '..' || /[/\\%\0]/.test(name)) {
    throw new UserError(
      `invalid registered model name "${name}"`,
      'use a non-empty name without slashes, backslashes or "%"',
    );
  }
}

export function validateAlias(alias: string): void {
  if (alias === '' || !VALID_ALIAS.test(alias)) {
    throw new UserError(
      `invalid alias "${alias}"`,
      'aliases may only contain alphanumerics, underscores (_) and dashes (-)',
    );
  }
  validateLength(`alias "${alias.slice(0, 40)}"`, alias, LIMITS.alias);
  if (alias.toLowerCase() === 'latest' || VERSION_LIKE_ALIAS.test(alias)) {
    throw new UserError(
      `the alias "${alias}" is reserved by MLflow`,
      'choose another alias, such as champion or challenger',
    );
  }
}

/** A model version number as MLflow accepts it (`int(version)`), written back without leading zeros. */
export function canonicalVersion(version: string): string {
  const trimmed = version.trim();
  if (!/^[+-]?\d+$/.test(trimmed) || Number(trimmed) < 1) {
    throw new UserError(
      `invalid model version "${version}"`,
      'a model version is a whole number: 1, 2, 3, …',
    );
  }
  return String(Number(trimmed));
}

/** MLflow's `path_not_unique`: the name, read as a POSIX path, is not exactly itself. */
function resolvesElsewhere(name: string): boolean {
  const normalized = posix.normalize(name);
  return (
    name === '' ||
    name.endsWith('/') ||
    normalized !== name ||
    normalized === '.' ||
    normalized.startsWith('..') ||
    normalized.startsWith('/')
  );
}
