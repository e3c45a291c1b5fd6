import { BaseCommand } from '../cli/base-command.js';
import { renderTable } from '../cli/table.js';
import { ENVIRONMENT, type ResolvedConfig } from '../core/config/index.js';
import { paragraphs } from '../cli/text.js';

export default class ConfigShow extends BaseCommand {
  static summary = 'Print the resolved configuration and where each value came from.';

  static description =
    paragraphs(`Precedence: flags, then environment variables (HEALTHPREDICT_* and the ecosystem's own, such as
MLFLOW_TRACKING_URI), then healthpredict.config.{json,yaml} in the working directory (or --config), then the
built-in defaults.`);

  static examples = ['<%= config.bin %> config', '<%= config.bin %> config --config ./prod.yaml --json'];

  async run(): Promise<ResolvedConfig> {
    const { flags } = await this.parse(ConfigShow);
    const resolved = this.resolveConfig({}, flags.config);
    this.log(
      renderTable(
        ['key', 'value', 'source', 'environment'],
        Object.entries(resolved.values).map(([key, value]) => {
          const { source, detail } = resolved.sources[key as keyof typeof resolved.values];
          return [
            key,
            String(value),
            detail ? `${source} (${detail})` : source,
            ENVIRONMENT[key as keyof typeof ENVIRONMENT].join(', '),
          ];
        }),
      ),
    );
    return resolved;
  }
}
