import { resolve } from 'node:path';

import { Flags } from '@oclif/core';

import { BaseCommand } from '../../cli/base-command.js';
import { renderTable } from '../../cli/table.js';
import { infraOutput, resolveIacDir, type InfraOutputResult } from '../../core/infra/index.js';
import { paragraphs } from '../../cli/text.js';

export default class InfraOutput extends BaseCommand {
  static summary = "Print the stack's Terraform outputs; --save writes them into the configuration again.";

  static description =
    paragraphs(`Runs terraform output -json in the stack's directory and prints every output (sensitive ones
masked). With --save, writes store, registry and awsRegion into the configuration file in effect, as infra up
does.`);

  static examples = ['<%= config.bin %> infra output', '<%= config.bin %> infra output --save --json'];

  static flags = {
    save: Flags.boolean({ description: 'Save store, registry and awsRegion into the configuration file.' }),
    dir: Flags.string({
      description: 'Terraform directory of the stack [default: ./iac, else ./.healthpredict/iac].',
    }),
  };

  async run(): Promise<InfraOutputResult> {
    const { flags } = await this.parse(InfraOutput);
    const resolved = this.resolveConfig({}, flags.config);
    const result = await infraOutput({
      dir: await resolveIacDir(process.cwd(), flags.dir),
      saveTo: flags.save ? (resolved.file ?? resolve('healthpredict.config.json')) : undefined,
    });

    this.log(
      renderTable(
        ['output', 'value'],
        Object.entries(result.outputs).map(([k, v]) => [k, String(v)]),
      ),
    );
    if (result.config) this.log(`saved store, registry and awsRegion into ${result.config.file}`);
    return result;
  }
}
