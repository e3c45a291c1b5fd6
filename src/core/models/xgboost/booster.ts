import type { Matrix } from '../types.js';
import {
  boostedRounds,
  createBooster,
  createDMatrix,
  freeBooster,
  freeDMatrix,
  loadModelJson,
  predict,
  saveJsonConfig,
  saveModelJson,
  setParam,
  updateOneIter,
  updateOneIterAsync,
  type BoosterHandle,
  type DMatrixHandle,
} from './native.js';

/**
 * XGBoost parameters under XGBoost's own names (`max_depth`, `colsample_bynode`, ...), so that any
 * documented parameter can be passed through as XGBoost spells it. Booleans are sent as 1 and 0.
 */
export interface XGBoostParams {
  objective?: string;
  tree_method?: string;
  nthread?: number;
  seed?: number;
  eta?: number;
  max_depth?: number;
  min_child_weight?: number;
  subsample?: number;
  colsample_bytree?: number;
  colsample_bynode?: number;
  lambda?: number;
  alpha?: number;
  gamma?: number;
  num_parallel_tree?: number;
  max_bin?: number;
  scale_pos_weight?: number;
  [name: string]: string | number | boolean | undefined;
}

/**
 * Defaults applied under the caller's parameters.
 *
 * - `nthread` is always set: left unset, OpenMP starts one thread per core and their idle spinning between
 *   rounds made training on a 2-core machine about 30 times slower.
 * - `seed_per_iteration` reseeds XGBoost's process-wide generator from (seed, round) before every round.
 *   Without it the generator is seeded once per booster and shared by all boosters in the process, so a
 *   trial grown rung by rung, interleaved with other trials, would sample rows differently from the same
 *   trial grown in one go.
 * - `validate_parameters` makes XGBoost warn about parameter names it does not know.
 */
export const DEFAULT_XGBOOST_PARAMS: Readonly<XGBoostParams> = {
  objective: 'binary:logistic',
  tree_method: 'hist',
  nthread: 2,
  seed: 0,
  seed_per_iteration: true,
  validate_parameters: true,
};

export interface BoosterLoadOptions {
  /** Threads for prediction; default 2. */
  nthread?: number;
}

/** The native handles of one booster, held apart from it so that the finalizer can free them later. */
interface NativeHandles {
  booster: BoosterHandle;
  train: DMatrixHandle | null;
}

function freeHandles(handles: NativeHandles): void {
  try {
    freeBooster(handles.booster);
  } finally {
    if (handles.train) freeDMatrix(handles.train);
  }
}

// A safety net for boosters that were never disposed. A finalizer has no caller to report to, so a failure
// to free is dropped: the process is no worse off than if the memory had leaked.
const finalizer = new FinalizationRegistry<NativeHandles>((handles) => {
  try {
    freeHandles(handles);
  } catch {
    return;
  }
});

/** The caller's parameters over the defaults, as the strings XGBoost takes; undefined ones are skipped. */
function resolveParams(params: XGBoostParams): Map<string, string> {
  const resolved = new Map<string, string>();
  for (const source of [DEFAULT_XGBOOST_PARAMS, params]) {
    for (const [name, value] of Object.entries(source)) {
      if (typeof value === 'boolean') resolved.set(name, value ? '1' : '0');
      else if (value !== undefined) resolved.set(name, String(value));
    }
  }
  return resolved;
}

function checkThreads(nthread: number): void {
  if (!Number.isInteger(nthread) || nthread < 1) {
    throw new RangeError(`nthread must be a positive integer, got ${nthread}`);
  }
}

/**
 * A native XGBoost booster. The training matrix is copied into a DMatrix once, at `create`, and kept with
 * the booster, so `update` continues boosting from the current round without rebuilding it and with
 * XGBoost's cached training predictions.
 *
 * Native memory is released by `dispose`; a finalizer frees it too if a booster is dropped undisposed.
 */
export class Booster {
  private handles: NativeHandles | null;
  private readonly trainMatrix: WeakRef<Matrix> | null;

  private constructor(handles: NativeHandles, trainMatrix: Matrix | null) {
    this.handles = handles;
    this.trainMatrix = trainMatrix ? new WeakRef(trainMatrix) : null;
    finalizer.register(this, handles, this);
  }

  /**
   * A booster with no rounds yet, ready to `update`. Parameters are checked now: a bad one raises an
   * `ExternalError` from xgboost here rather than at the first round.
   */
  static create(train: Matrix, labels: Float32Array, params: XGBoostParams = {}): Booster {
    const resolved = resolveParams(params);
    checkThreads(Number(resolved.get('nthread')));

    const dtrain = createDMatrix(train, labels);
    let handle: BoosterHandle;
    try {
      handle = createBooster([dtrain]);
    } catch (error) {
      freeDMatrix(dtrain);
      throw error;
    }

    const booster = new Booster({ booster: handle, train: dtrain }, train);
    try {
      for (const [name, value] of resolved) setParam(handle, name, value);
      saveJsonConfig(handle);
    } catch (error) {
      booster.dispose();
      throw error;
    }
    return booster;
  }

  /** A booster for prediction from a model saved with `toJson`; it has no training data to `update` with. */
  static fromJson(json: string, options: BoosterLoadOptions = {}): Booster {
    const nthread = options.nthread ?? 2;
    checkThreads(nthread);

    const booster = new Booster({ booster: createBooster([]), train: null }, null);
    try {
      const handle = booster.live().booster;
      loadModelJson(handle, json);
      setParam(handle, 'nthread', String(nthread));
    } catch (error) {
      booster.dispose();
      throw error;
    }
    return booster;
  }

  /** Boosting rounds done so far (a random forest trained in one round counts one). */
  get rounds(): number {
    return boostedRounds(this.live().booster);
  }

  /** Adds `rounds` boosting rounds after the ones already done. */
  update(rounds: number): void {
    const { booster, train, start } = this.continuation(rounds);
    for (let round = start; round < start + rounds; round++) updateOneIter(booster, round, train);
  }

  /** As `update`, with each round on a worker thread, so that several boosters can train at once. */
  async updateAsync(rounds: number): Promise<void> {
    const { booster, train, start } = this.continuation(rounds);
    for (let round = start; round < start + rounds; round++) await updateOneIterAsync(booster, round, train);
  }

  private continuation(rounds: number): { booster: BoosterHandle; train: DMatrixHandle; start: number } {
    if (!Number.isInteger(rounds) || rounds < 0) {
      throw new RangeError(`rounds must be a non-negative integer, got ${rounds}`);
    }
    const { booster, train } = this.live();
    if (!train) {
      throw new Error('this booster was loaded from JSON and has no training data to continue with');
    }
    return { booster, train, start: boostedRounds(booster) };
  }

  /**
   * XGBoost's configuration as it will train: every parameter after defaults, as XGBoost's JSON document
   * (`learner.generic_param.nthread`, `learner.gradient_booster.gbtree_train_param.tree_method`, ...), for
   * recording with a run.
   */
  config(): Record<string, unknown> {
    return JSON.parse(saveJsonConfig(this.live().booster)) as Record<string, unknown>;
  }

  /** One prediction per row; for `binary:logistic`, the probability of the positive class. */
  predict(matrix: Matrix): Float32Array {
    const { booster, train } = this.live();
    if (train && this.trainMatrix?.deref() === matrix) return predict(booster, train, matrix.rows);

    const data = createDMatrix(matrix);
    try {
      return predict(booster, data, matrix.rows);
    } finally {
      freeDMatrix(data);
    }
  }

  /** The model as XGBoost's JSON document, readable by `parseXGBoostModel` and by XGBoost itself. */
  toJson(): string {
    return saveModelJson(this.live().booster);
  }

  /** Frees the native booster and training matrix. Safe to call more than once. */
  dispose(): void {
    if (!this.handles) return;
    const handles = this.handles;
    this.handles = null;
    finalizer.unregister(this);
    freeHandles(handles);
  }

  private live(): NativeHandles {
    if (!this.handles) throw new Error('this booster has been disposed');
    return this.handles;
  }
}
