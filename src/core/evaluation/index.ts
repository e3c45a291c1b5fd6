export { brierScore } from './brier-score.js';
export { chooseThreshold } from './choose-threshold.js';
export { evaluateBinary } from './evaluate-binary.js';
export { logLoss, type LogLossOptions } from './log-loss.js';
export { prAuc } from './pr-auc.js';
export { precisionRecallF1 } from './precision-recall-f1.js';
export { rocAuc } from './roc-auc.js';
export { rocCurve, type RocCurveOptions } from './roc-curve.js';
export type { BinaryEvaluation, BinaryLabels, ConfusionMetrics, RocCurveResult, Scores } from './types.js';
