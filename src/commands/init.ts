import { Args, Flags } from '@oclif/core';

import { BaseCommand } from '../cli/base-command.js';
import { writeTemplates, type InitResult } from '../core/infra/index.js';
import { paragraphs } from '../cli/text.js';

export default class Init extends BaseCommand {
  static summary = 'Write the Compose stack, the Airflow DAGs and the GitHub workflow into a directory.';

  static description =
    paragraphs(`Writes docker-compose.yml, .env.example, the Dockerfiles of the Airflow and MLflow images,
Postgres's init script, dags/healthpredict_*.py and .github/workflows/healthpredict-deploy.yml into DIR. The
stack's values in the configuration (store, registry, awsRegion, as infra up saves them) are filled into
.env.example and the workflow; the passwords are left for you to fill in. Existing files are kept unless --force.`);

  static examples = ['<%= config.bin %> init ./ops', '<%= config.bin %> init ./ops --force --json'];

  static args = {
    dir: Args.string({ required: true, description: 'Directory to write into (created when missing).' }),
  };

  static flags = {
    force: Flags.boolean({ description: 'Replace files that already exist.' }),
  };

  async run(): Promise<InitResult> {
    const { args, flags } = await this.parse(Init);
    const { values } = this.resolveConfig({}, flags.config);
    const result = await writeTemplates({ dir: args.dir, config: values, force: flags.force });

    this.log(`wrote ${result.files.length} files into ${result.dir}:\n${result.files.join('\n')}`);
    this.log(
      `filled in: ${Object.keys(result.filled).join(', ') || 'nothing (no stack in the configuration)'}`,
    );
    this.log(`copy .env.example to .env and fill in: ${result.unfilled.join(', ')}`);
    return result;
  }
}
