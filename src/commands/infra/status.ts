import { Flags } from '@oclif/core';

import { BaseCommand } from '../../cli/base-command.js';
import { renderTable } from '../../cli/table.js';
import { infraStatus, resolveIacDir, type InfraStatusResult } from '../../core/infra/index.js';
import { paragraphs } from '../../cli/text.js';

export default class InfraStatus extends BaseCommand {
  static summary =
    "Show the stack's resources, which of them cost money, its outputs, and whether the config uses it.";

  static description =
    paragraphs(`Reads the stack's local Terraform state (terraform state list and terraform output -json; no
AWS call) and tells whether the configuration in effect points at the stack's bucket, registry and region.`);

  static examples = ['<%= config.bin %> infra status', '<%= config.bin %> infra status --json'];

  static flags = {
    dir: Flags.string({
      description: 'Terraform directory of the stack [default: ./iac, else ./.healthpredict/iac].',
    }),
  };

  async run(): Promise<InfraStatusResult> {
    const { flags } = await this.parse(InfraStatus);
    const { values } = this.resolveConfig({}, flags.config);
    const result = await infraStatus({ dir: await resolveIacDir(process.cwd(), flags.dir), config: values });

    if (result.resources.length === 0) {
      this.log(`no stack in ${result.dir} (terraform ${result.terraformVersion}); create it with infra up`);
      return result;
    }
    const billed = new Map(result.billed.map((resource) => [resource.address, resource.cost]));
    this.log(
      renderTable(
        ['resource', 'billed'],
        result.resources.map((a) => [a, billed.get(a) ?? null]),
      ),
    );
    this.log(
      `${result.resources.length} resources in ${result.dir}; ` +
        (result.configured
          ? 'the configuration uses this stack'
          : 'the configuration does not use this stack'),
    );
    return result;
  }
}
