import koffi, { type IKoffiLib } from 'koffi';

import { ExternalError, EXIT_CODES, UserError } from '../../errors/index.js';
import { debugFor } from '../../util/log.js';
import type { Matrix } from '../types.js';

/**
 * The part of XGBoost's C API (`xgboost/c_api.h`) that training and prediction need, bound through koffi.
 * Every call's return code is checked here, so callers never see a raw status: a failure becomes an
 * `ExternalError` that names xgboost and carries its last error message.
 *
 * The library is opened on first use, once per process, so that commands that never train (serving scores
 * with the TypeScript tree scorer) run on machines without it.
 */

const log = debugFor('xgboost');

declare const dmatrixBrand: unique symbol;
declare const boosterBrand: unique symbol;

/** An XGBoost `DMatrixHandle`; freed with `freeDMatrix`. */
export type DMatrixHandle = { readonly [dmatrixBrand]: true };

/** An XGBoost `BoosterHandle`; freed with `freeBooster`. */
export type BoosterHandle = { readonly [boosterBrand]: true };

/** koffi fills output parameters by writing element 0 of a one-element array. */
type Out<T> = [T];

export interface XGBoostApi {
  XGBoostVersion(major: Out<number>, minor: Out<number>, patch: Out<number>): void;
  XGBGetLastError(): string;
  XGDMatrixCreateFromMat(
    data: Float32Array,
    rows: number,
    cols: number,
    missing: number,
    out: Out<unknown>,
  ): number;
  XGDMatrixSetFloatInfo(handle: DMatrixHandle, field: string, values: Float32Array, length: number): number;
  XGDMatrixFree(handle: DMatrixHandle): number;
  XGBoosterCreate(cache: DMatrixHandle[], length: number, out: Out<unknown>): number;
  XGBoosterSetParam(handle: BoosterHandle, name: string, value: string): number;
  XGBoosterUpdateOneIter(handle: BoosterHandle, iteration: number, train: DMatrixHandle): number;
  XGBoosterBoostedRounds(handle: BoosterHandle, out: Out<number>): number;
  XGBoosterPredictFromDMatrix(
    handle: BoosterHandle,
    data: DMatrixHandle,
    config: string,
    shape: Out<unknown>,
    dimensions: Out<number>,
    result: Out<unknown>,
  ): number;
  XGBoosterSaveModelToBuffer(
    handle: BoosterHandle,
    config: string,
    length: Out<number>,
    out: Out<unknown>,
  ): number;
  XGBoosterLoadModelFromBuffer(handle: BoosterHandle, buffer: Buffer, length: number): number;
  XGBoosterSaveJsonConfig(handle: BoosterHandle, length: Out<number>, out: Out<string>): number;
  XGBoosterFree(handle: BoosterHandle): number;
}

/** C prototypes, copied from c_api.h with `bst_ulong` spelled `uint64_t` and handles as `void *`. */
const PROTOTYPES: Record<keyof XGBoostApi, string> = {
  XGBoostVersion: 'void XGBoostVersion(_Out_ int *major, _Out_ int *minor, _Out_ int *patch)',
  XGBGetLastError: 'const char *XGBGetLastError()',
  XGDMatrixCreateFromMat:
    'int XGDMatrixCreateFromMat(const float *data, uint64_t nrow, uint64_t ncol, float missing, _Out_ void **out)',
  XGDMatrixSetFloatInfo:
    'int XGDMatrixSetFloatInfo(void *handle, const char *field, const float *array, uint64_t len)',
  XGDMatrixFree: 'int XGDMatrixFree(void *handle)',
  XGBoosterCreate: 'int XGBoosterCreate(void **dmats, uint64_t len, _Out_ void **out)',
  XGBoosterSetParam: 'int XGBoosterSetParam(void *handle, const char *name, const char *value)',
  XGBoosterUpdateOneIter: 'int XGBoosterUpdateOneIter(void *handle, int iter, void *dtrain)',
  XGBoosterBoostedRounds: 'int XGBoosterBoostedRounds(void *handle, _Out_ int *out)',
  XGBoosterPredictFromDMatrix:
    'int XGBoosterPredictFromDMatrix(void *handle, void *dmat, const char *config, ' +
    '_Out_ void **out_shape, _Out_ uint64_t *out_dim, _Out_ void **out_result)',
  XGBoosterSaveModelToBuffer:
    'int XGBoosterSaveModelToBuffer(void *handle, const char *config, _Out_ uint64_t *out_len, _Out_ void **out)',
  XGBoosterLoadModelFromBuffer:
    'int XGBoosterLoadModelFromBuffer(void *handle, const void *buf, uint64_t len)',
  XGBoosterSaveJsonConfig:
    'int XGBoosterSaveJsonConfig(void *handle, _Out_ uint64_t *out_len, _Out_ const char **out_str)',
  XGBoosterFree: 'int XGBoosterFree(void *handle)',
};

const INSTALL_FIX =
  'install it with `apt-get install libxgboost-dev`, or set HEALTHPREDICT_XGBOOST_LIB to the path of libxgboost';

/** Names tried in order when no path is given: the runtime package's soname first, then the dev symlink. */
function defaultLibraryNames(): string[] {
  if (process.platform === 'darwin') return ['libxgboost.dylib'];
  return ['libxgboost.so.0', 'libxgboost.so'];
}

/**
 * Opens the library and binds every function, without caching. `path` wins over
 * `HEALTHPREDICT_XGBOOST_LIB`, which wins over the system's search path.
 */
export function openXGBoost(path = process.env.HEALTHPREDICT_XGBOOST_LIB): XGBoostApi {
  const candidates = path ? [path] : defaultLibraryNames();
  const failures: string[] = [];

  // libgomp reads this once, when it is loaded with XGBoost. Its default keeps idle threads spinning, and
  // two processes that each train with 2 threads on 2 cores then ran 50 to 100 times slower than either
  // alone (parallel test files, parallel trials). A user's own setting is kept.
  process.env.OMP_WAIT_POLICY ??= 'PASSIVE';

  for (const candidate of candidates) {
    let library: IKoffiLib;
    try {
      library = koffi.load(candidate);
    } catch (error) {
      failures.push(`${candidate}: ${(error as Error).message}`);
      continue;
    }
    const api = Object.fromEntries(
      Object.entries(PROTOTYPES).map(([name, prototype]) => [name, library.func(prototype)]),
    ) as unknown as XGBoostApi;
    log('loaded %s', candidate);
    return api;
  }

  const source = path ? ' (from HEALTHPREDICT_XGBOOST_LIB)' : '';
  throw new UserError(
    `the XGBoost native library could not be loaded${source}: ${failures.join('; ')}`,
    INSTALL_FIX,
    EXIT_CODES.external,
  );
}

let cached: XGBoostApi | undefined;

function api(): XGBoostApi {
  cached ??= openXGBoost();
  return cached;
}

/** XGBoost prefixes messages with a time and source line and appends a native stack; neither helps a user. */
function cleanLastError(raw: string): string {
  const withoutStack = raw.split(/\n\s*Stack trace:/)[0];
  return withoutStack.replace(/^\[\d{2}:\d{2}:\d{2}\] [^\s:]+:\d+: /, '').trim();
}

function check(status: number, call: string): void {
  if (status === 0) return;
  const detail = cleanLastError(api().XGBGetLastError());
  const firstLine = detail.split('\n')[0] || 'no error message';
  throw new ExternalError('xgboost', `${firstLine} (in ${call})`, { status, output: detail });
}

/** The loaded library's version, e.g. `[1, 7, 4]`. */
export function xgboostVersion(): [number, number, number] {
  const major: Out<number> = [0];
  const minor: Out<number> = [0];
  const patch: Out<number> = [0];
  api().XGBoostVersion(major, minor, patch);
  return [major[0], minor[0], patch[0]];
}

/** Copies `matrix` into a new DMatrix, NaN as missing, and attaches `labels` when given. */
export function createDMatrix(matrix: Matrix, labels?: Float32Array): DMatrixHandle {
  if (matrix.data.length !== matrix.rows * matrix.cols) {
    throw new RangeError(
      `matrix data has ${matrix.data.length} values, expected ${matrix.rows} x ${matrix.cols}`,
    );
  }
  if (labels && labels.length !== matrix.rows) {
    throw new RangeError(`${labels.length} labels for a matrix of ${matrix.rows} rows`);
  }

  const out: Out<unknown> = [null];
  check(
    api().XGDMatrixCreateFromMat(matrix.data, matrix.rows, matrix.cols, NaN, out),
    'XGDMatrixCreateFromMat',
  );
  const handle = out[0] as DMatrixHandle;
  if (!labels) return handle;

  try {
    check(api().XGDMatrixSetFloatInfo(handle, 'label', labels, labels.length), 'XGDMatrixSetFloatInfo');
  } catch (error) {
    api().XGDMatrixFree(handle);
    throw error;
  }
  return handle;
}

export function freeDMatrix(handle: DMatrixHandle): void {
  check(api().XGDMatrixFree(handle), 'XGDMatrixFree');
}

/** A booster whose prediction cache holds `cache`, so boosting on those matrices continues incrementally. */
export function createBooster(cache: DMatrixHandle[]): BoosterHandle {
  const out: Out<unknown> = [null];
  check(api().XGBoosterCreate(cache, cache.length, out), 'XGBoosterCreate');
  return out[0] as BoosterHandle;
}

export function freeBooster(handle: BoosterHandle): void {
  check(api().XGBoosterFree(handle), 'XGBoosterFree');
}

export function setParam(handle: BoosterHandle, name: string, value: string): void {
  check(api().XGBoosterSetParam(handle, name, value), `XGBoosterSetParam(${name})`);
}

export function updateOneIter(handle: BoosterHandle, iteration: number, train: DMatrixHandle): void {
  check(api().XGBoosterUpdateOneIter(handle, iteration, train), 'XGBoosterUpdateOneIter');
}

/**
 * One boosting round on a thread of libuv's pool instead of the main thread, so that trials of a search can
 * train at the same time. XGBoost keeps its last error per thread, so a failure here is reported by its
 * return code and the call, not XGBoost's message.
 */
export function updateOneIterAsync(
  handle: BoosterHandle,
  iteration: number,
  train: DMatrixHandle,
): Promise<void> {
  const call = api().XGBoosterUpdateOneIter as unknown as {
    async: (
      ...args: [BoosterHandle, number, DMatrixHandle, (error: unknown, status: number) => void]
    ) => void;
  };
  return new Promise((resolve, reject) => {
    call.async(handle, iteration, train, (error, status) => {
      if (error) reject(new ExternalError('xgboost', `${String(error)} (in XGBoosterUpdateOneIter)`));
      else if (status !== 0) {
        reject(
          new ExternalError('xgboost', `XGBoosterUpdateOneIter failed with status ${status}`, { status }),
        );
      } else resolve();
    });
  });
}

export function boostedRounds(handle: BoosterHandle): number {
  const out: Out<number> = [0];
  check(api().XGBoosterBoostedRounds(handle, out), 'XGBoosterBoostedRounds');
  return out[0];
}

/**
 * Configures the booster from its parameters and returns its JSON configuration. XGBoost otherwise checks
 * parameters only at the first boosting round, so this is how a bad one is caught when it is set.
 */
export function saveJsonConfig(handle: BoosterHandle): string {
  const length: Out<number> = [0];
  const out: Out<string> = [''];
  check(api().XGBoosterSaveJsonConfig(handle, length, out), 'XGBoosterSaveJsonConfig');
  return out[0];
}

/** Normal prediction over all trees (for binary:logistic, probabilities), one value per row. */
export function predict(handle: BoosterHandle, data: DMatrixHandle, rows: number): Float32Array {
  const config = JSON.stringify({
    type: 0,
    training: false,
    iteration_begin: 0,
    iteration_end: 0,
    strict_shape: false,
  });
  const shape: Out<unknown> = [null];
  const dimensions: Out<number> = [0];
  const result: Out<unknown> = [null];
  check(
    api().XGBoosterPredictFromDMatrix(handle, data, config, shape, dimensions, result),
    'XGBoosterPredictFromDMatrix',
  );

  // The result buffer belongs to the booster and is reused by its next call, so it is copied out now.
  const sizes = koffi.decode(shape[0], 'uint64_t', dimensions[0]) as ArrayLike<number | bigint>;
  const count = Array.from(sizes, Number).reduce((product, size) => product * size, 1);
  if (count !== rows) {
    throw new ExternalError(
      'xgboost',
      `prediction has ${count} values for ${rows} rows; is this a multi-output model?`,
    );
  }
  return Float32Array.from(koffi.decode(result[0], 'float', count) as ArrayLike<number>);
}

/** The model (trees and learner parameters, no training configuration) as XGBoost's JSON document. */
export function saveModelJson(handle: BoosterHandle): string {
  const length: Out<number> = [0];
  const out: Out<unknown> = [null];
  const config = JSON.stringify({ format: 'json' });
  check(api().XGBoosterSaveModelToBuffer(handle, config, length, out), 'XGBoosterSaveModelToBuffer');
  return Buffer.from(koffi.view(out[0], length[0])).toString('utf8');
}

export function loadModelJson(handle: BoosterHandle, json: string): void {
  const buffer = Buffer.from(json, 'utf8');
  check(api().XGBoosterLoadModelFromBuffer(handle, buffer, buffer.length), 'XGBoosterLoadModelFromBuffer');
}
