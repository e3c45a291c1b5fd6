import { scorerFor, type Scorer } from '../models/scorer.js';
import type { ServingModel } from './model-loader.js';
import { compileRecordEncoder, type RecordEncoder } from './record-encoder.js';
import { MAX_BATCH_RECORDS } from './schema.js';
import type { PatientRecord } from './validation.js';

/**
 * Scores validated records with a loaded model: the one code path of `POST /predict` and of `predict` on a
 * file. The preprocessor and the trees are compiled once; the feature rows of a request are written into one
 * buffer kept for the life of the predictor, sized for the largest batch the service accepts.
 */
export interface Predictor {
  readonly model: ServingModel;
  /** The probability of the positive class for each record, in order. */
  probabilities(records: readonly PatientRecord[]): Float64Array;
  /** 1 when the probability reaches the model's threshold (the rule its metrics were computed with). */
  classOf(probability: number): 0 | 1;
}

export function createPredictor(model: ServingModel): Predictor {
  const encoder: RecordEncoder = compileRecordEncoder(model.artifact.preprocessor);
  const scorer: Scorer = scorerFor(model.artifact);
  const { cols } = encoder;
  const buffer = new Float32Array(MAX_BATCH_RECORDS * cols);
  const threshold = model.threshold;

  return {
    model,
    probabilities(records) {
      const rows = records.length;
      // Larger inputs (a file offline) get their own matrix; a request always fits the kept buffer.
      const data =
        rows <= MAX_BATCH_RECORDS ? buffer.subarray(0, rows * cols) : new Float32Array(rows * cols);
      data.fill(0);
      for (let row = 0; row < rows; row++) encoder.encode(records[row], data, row);
      return scorer.predict({ data, rows, cols });
    },
    classOf(probability) {
      return probability >= threshold ? 1 : 0;
    },
  };
}
