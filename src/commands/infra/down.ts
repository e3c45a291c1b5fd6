import { once } from 'node:events';
import { createInterface } from 'node:readline';

import { Flags } from '@oclif/core';

import { BaseCommand } from '../../cli/base-command.js';
import { infraDown, resolveIacDir, type InfraDownResult } from '../../core/infra/index.js';
import { paragraphs } from '../../cli/text.js';

export default class InfraDown extends BaseCommand {
  static summary = 'Destroy the AWS stack, after confirmation, so that nothing of it keeps costing money.';

  static description =
    paragraphs(`Lists the resources in the stack's Terraform state and asks for "yes" on standard input (or
takes --yes), then runs terraform destroy, streaming its output to stderr. The bucket is emptied and the
repository's images deleted with them (the stack's force_destroy variable). If the destroy fails, the error names
the resources still there that are billed. Once the stack is gone, the store, registry and awsRegion that
infra up saved are removed from the configuration file.`);

  static examples = ['<%= config.bin %> infra down', '<%= config.bin %> infra down --yes --json'];

  static flags = {
    yes: Flags.boolean({ description: 'Destroy without asking.' }),
    dir: Flags.string({
      description: 'Terraform directory of the stack [default: ./iac, else ./.healthpredict/iac].',
    }),
  };

  async run(): Promise<InfraDownResult> {
    const { flags } = await this.parse(InfraDown);
    const resolved = this.resolveConfig({}, flags.config);
    const result = await infraDown({
      dir: await resolveIacDir(process.cwd(), flags.dir),
      configFile: resolved.file,
      confirm: flags.yes ? async () => true : askYes,
    });

    if (result.destroyed.length === 0) this.log(`nothing to destroy in ${result.dir}`);
    else this.log(`destroyed ${result.destroyed.length} resources:\n${result.destroyed.join('\n')}`);
    if (result.config?.removed.length) {
      this.log(`removed ${result.config.removed.join(', ')} from ${result.config.file}`);
    }
    return result;
  }
}

/** Shows the resources and the question on stderr and reads one line of stdin; only "yes" agrees. */
async function askYes(question: string, resources: string[]): Promise<boolean> {
  process.stderr.write(`${resources.map((address) => `  ${address}`).join('\n')}\n${question} Type yes: `);
  const lines = createInterface({ input: process.stdin, terminal: false });
  try {
    const answer = await Promise.race([
      once(lines, 'line').then(([line]) => String(line)),
      once(lines, 'close').then(() => ''),
    ]);
    process.stderr.write('\n');
    return answer.trim() === 'yes';
  } finally {
    lines.close();
  }
}
