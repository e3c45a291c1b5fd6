export { LogisticTrainer } from './logistic-trainer.js';
export { parseLogisticModel, type LogisticModel } from './logistic-model.js';
export { predictLogistic } from './predict-logistic.js';
export { trainLogistic, type TrainLogisticResult } from './train-logistic.js';
export type {
  BinaryTarget,
  LogisticProgress,
  LogisticStatus,
  LogisticTrainerOptions,
  TrainLogisticOptions,
} from './types.js';
