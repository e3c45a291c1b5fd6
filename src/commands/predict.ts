import { Flags } from '@oclif/core';

import { BaseCommand } from '../cli/base-command.js';
import { storeFlags } from '../cli/flags.js';
import { openBackends } from '../core/pipeline/backends.js';
import { DEFAULT_MODEL_URI } from '../core/serving/model-loader.js';
import { predictFile, type PredictFileResult } from '../core/serving/predict-file.js';
import { paragraphs } from '../cli/text.js';

export default class Predict extends BaseCommand {
  static summary = 'Score a CSV file of raw records offline, with the code path of serve.';

  static description =
    paragraphs(`Reads --input (a CSV or .csv.gz whose header has the model's inputs under the data set's own names or
in snake_case; other columns are kept), checks every row against the schema POST /predict enforces, scores it with
the model --model-uri names (${DEFAULT_MODEL_URI} by default) and writes --output: the input columns, then
probability and prediction. The first bad row stops the command with its line and column. Rows with an expired
or hospice disposition get empty probability and prediction cells, as readmission is undefined for them.`);

  static examples = [
    '<%= config.bin %> predict --input .healthpredict/store/processed/future.csv --output scored.csv',
    '<%= config.bin %> predict --input new.csv --output scored.csv --model-uri models:/HealthPredict/2 --json',
  ];

  static flags = {
    input: Flags.string({ required: true, description: 'CSV file of raw records to score.' }),
    output: Flags.string({ required: true, description: 'CSV file to write: the input plus the scores.' }),
    'model-uri': Flags.string({
      default: DEFAULT_MODEL_URI,
      description: 'The model: models:/NAME@ALIAS, models:/NAME/VERSION, runs:/RUN_ID/model or a directory.',
    }),
    'tracking-uri': storeFlags['tracking-uri'],
  };

  async run(): Promise<PredictFileResult> {
    const { flags } = await this.parse(Predict);
    const { values } = this.resolveConfig({ trackingUri: flags['tracking-uri'] }, flags.config);
    const result = await predictFile({
      input: flags.input,
      output: flags.output,
      uri: flags['model-uri'],
      openStores: () => openBackends(values),
    });

    this.log(
      `scored ${result.scored} of ${result.rows} rows (${result.positives} predicted positive; ` +
        `${result.undefinedOutcome} expired or hospice left blank) with ${result.model.name ?? result.model.uri} ` +
        `version ${result.model.version ?? '-'} in ${result.durationMs} ms: ${result.output}`,
    );
    return result;
  }
}
