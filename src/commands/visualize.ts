import { BaseCommand } from '../cli/base-command.js';
import { storeFlags, storeSettings } from '../cli/flags.js';
import { openStore } from '../core/storage/index.js';
import { visualize, type VisualizeResult } from '../core/pipeline/visualize.js';
import { paragraphs } from '../cli/text.js';

export default class Visualize extends BaseCommand {
  protected readonly stopAtOnce = true;

  static summary = 'Draw the stored drift reports and decisions as PNG and SVG charts and one HTML page.';

  static description =
    paragraphs(`Reads drift/batch_NN/report.json (written by monitor) and loop/decisions.json (written by run)
from the store and writes reports/{drift-share,drift-heatmap,auc-per-batch,roc-curves}.{png,svg} and
reports/index.html: drift share per batch against its threshold, a feature-by-batch drift heatmap, the
champion's and challenger's AUC per batch against the test AUC, and the champion's ROC curve on each batch.`);

  static examples = ['<%= config.bin %> visualize', '<%= config.bin %> visualize --store ./my-store --json'];

  static flags = { store: storeFlags.store, 's3-endpoint': storeFlags['s3-endpoint'] };

  async run(): Promise<VisualizeResult> {
    const { flags } = await this.parse(Visualize);
    const { values } = this.resolveConfig(storeSettings(flags), flags.config);
    const result = await visualize({ store: openStore(values.store, values) });
    this.log(result.files.join('\n'));
    this.log(`open ${result.page}`);
    return result;
  }
}
