import { EXIT_CODES, UserError } from '../errors/index.js';

/** The errors both registries give for a model or version that is not there, worded alike. */
export function modelNotFound(name: string, registryUri: string): UserError {
  return new UserError(
    `registered model "${name}" is not in the registry ${registryUri}`,
    'run `healthpredict register` first',
    EXIT_CODES.notFound,
  );
}

export function versionNotFound(name: string, version: string | undefined, known: string[]): UserError {
  return new UserError(
    `registered model "${name}" has no version ${version}`,
    known.length > 0 ? `use one of its versions: ${known.join(', ')}` : 'run `healthpredict register` first',
    EXIT_CODES.notFound,
  );
}
