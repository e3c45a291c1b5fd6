import { BaseCommand } from '../cli/base-command.js';
import { seedFlag, storeFlags } from '../cli/flags.js';
import { renderTable } from '../cli/table.js';
import { DRIFT_SCENARIOS } from '../core/data/split.js';
import { dataFlags, splitOptionsFrom } from '../cli/data-flags.js';
import { openStore } from '../core/storage/index.js';
import { splitData, type SplitResult } from '../core/pipeline/split.js';
import { paragraphs } from '../cli/text.js';

export default class Split extends BaseCommand {
  protected readonly stopAtOnce = true;

  static summary = 'Split the raw data into initial train/validation/test and future batches.';

  static description =
    paragraphs(`The first 20% of rows in file order is the initial data, cut 70/15/15 into train, validation and
test (chronologically, or by shuffled patients with --shuffle --seed N so that no patient_nbr is in two splits);
the rest is future data, cut into --batches consecutive disjoint batches. Every row is checked against the column
contract as it is read. Writes processed/initial_{train,validation,test}.csv, processed/future.csv,
processed/batches/batch_NN.csv and processed/manifest.json (rows, class balance, sha256 of every file and of the
source, every parameter) to the store. Drift scenarios (from batch 3 on, or the last batch when there are fewer):

${Object.entries(DRIFT_SCENARIOS)
  .map(([name, scenario]) => `  - ${name}: ${scenario.description.replace(/\.+$/, '')}`)
  .join('\n')}`);

  static examples = [
    '<%= config.bin %> split --data ./diabetic_data.csv.gz',
    '<%= config.bin %> split --shuffle --seed 7 --target within30',
    '<%= config.bin %> split --drift-scenario population --json',
  ];

  static flags = {
    ...dataFlags,
    ...seedFlag,
    store: storeFlags.store,
    's3-endpoint': storeFlags['s3-endpoint'],
  };

  async run(): Promise<SplitResult> {
    const { flags } = await this.parse(Split);
    const { values } = this.resolveConfig(
      {
        store: flags.store,
        s3Endpoint: flags['s3-endpoint'],
        data: flags.data,
        target: flags.target as 'any' | undefined,
        seed: flags.seed,
        batches: flags.batches,
      },
      flags.config,
    );
    const result = await splitData(openStore(values.store, values), splitOptionsFrom(values, flags));

    this.log(
      renderTable(
        ['file', 'rows', 'positives', 'positive rate'],
        result.manifest.files.map((f) => [f.key, f.rows, f.positives, f.positiveRate.toFixed(4)]),
      ),
    );
    return result;
  }
}
