import { stringify as toYaml } from 'yaml';

import { EXIT_CODES, ExternalError, UserError } from '../errors/index.js';
import { verifyPreprocessor, type PreprocessorSpec } from '../features/preprocessor.js';
import type { Params } from '../tuning/space.js';
import type { ModelFamily } from './types.js';

/**
 * The `model/` artifact of a run: everything needed to score, gate and monitor without the run itself.
 *
 * - `MLmodel`: MLflow's model descriptor, with a `healthpredict` flavor naming the files below.
 * - `model.json`: family, parameters, resource, decision threshold and where the weights are.
 * - `weights.json`: XGBoost's own JSON model (readable by `xgboost.Booster().load_model`) or the
 *   logistic coefficients.
 * - `preprocessor.json`: the fitted preprocessor.
 * - `input_example.json`: two raw records, as MLflow shows them.
 * - `metrics.json`: validation and test metrics at the threshold.
 * - `reference.csv`: a sample of the training rows, the reference that drift monitoring compares against.
 */
export const ARTIFACT_PATH = 'model';

export interface ModelDescriptor {
  format: 'healthpredict-model/1';
  family: ModelFamily;
  params: Params;
  resource: number;
  resourceName: string;
  threshold: number;
  target: string;
  weightsFile: 'weights.json';
  preprocessorFile: 'preprocessor.json';
  referenceFile: 'reference.csv';
}

export interface ModelArtifact {
  descriptor: ModelDescriptor;
  weights: string;
  preprocessor: PreprocessorSpec;
  metrics: Record<string, number>;
  inputExample: Record<string, string>[];
  referenceCsv: string;
}

export interface ArtifactMeta {
  runId: string;
  createdAt: Date;
}

export function artifactFiles(artifact: ModelArtifact, meta: ArtifactMeta): Record<string, string> {
  const mlmodel = {
    artifact_path: ARTIFACT_PATH,
    flavors: {
      healthpredict: {
        family: artifact.descriptor.family,
        model_file: 'model.json',
        weights_file: artifact.descriptor.weightsFile,
        preprocessor_file: artifact.descriptor.preprocessorFile,
        format: artifact.descriptor.format,
      },
    },
    model_uuid: meta.runId,
    run_id: meta.runId,
    saved_input_example_info: { artifact_path: 'input_example.json', type: 'dataframe', format: 'records' },
    utc_time_created: meta.createdAt.toISOString().replace('T', ' ').replace('Z', ''),
  };
  return {
    MLmodel: toYaml(mlmodel),
    'model.json': JSON.stringify(artifact.descriptor, null, 2),
    'weights.json': artifact.weights,
    'preprocessor.json': JSON.stringify(artifact.preprocessor),
    'input_example.json': JSON.stringify(artifact.inputExample, null, 2),
    'metrics.json': JSON.stringify(artifact.metrics, null, 2),
    'reference.csv': artifact.referenceCsv,
  };
}

/** Reads an artifact back through a reader of its files; `where` names it in errors. */
export async function readArtifact(
  readFile: (name: string) => Promise<Buffer>,
  where: string,
): Promise<ModelArtifact> {
  const read = async (name: string): Promise<string> => {
    try {
      return (await readFile(name)).toString('utf8');
    } catch (error) {
      // A store or server that failed is not a model without the file, and says so itself.
      if (error instanceof ExternalError) throw error;
      throw new UserError(
        `the model at ${where} has no ${name}`,
        'register a model trained by `healthpredict train`, or retrain it',
        EXIT_CODES.notFound,
      );
    }
  };
  const descriptor = parseJson<ModelDescriptor>(await read('model.json'), 'model.json', where);
  if (descriptor.format !== 'healthpredict-model/1') {
    throw new UserError(
      `the model at ${where} is not a healthpredict model`,
      'point at a model trained by healthpredict',
    );
  }
  const preprocessor = parseJson<PreprocessorSpec>(
    await read(descriptor.preprocessorFile),
    descriptor.preprocessorFile,
    where,
  );
  if (!verifyPreprocessor(preprocessor)) {
    throw new UserError(
      `the preprocessor of the model at ${where} does not match its hash`,
      'the artifact was altered or truncated; retrain',
      EXIT_CODES.badInput,
    );
  }
  const weights = await read(descriptor.weightsFile);
  parseJson<unknown>(weights, descriptor.weightsFile, where);
  return {
    descriptor,
    preprocessor,
    weights,
    metrics: parseJson<Record<string, number>>(await read('metrics.json'), 'metrics.json', where),
    inputExample: parseJson<Record<string, string>[]>(
      await read('input_example.json'),
      'input_example.json',
      where,
    ),
    referenceCsv: await read(descriptor.referenceFile),
  };
}

function parseJson<T>(text: string, name: string, where: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new UserError(
      `${name} of the model at ${where} is not valid JSON`,
      'the artifact was altered or truncated; retrain and register the model again',
      EXIT_CODES.badInput,
    );
  }
}
