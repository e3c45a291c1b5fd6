import { resolve } from 'node:path';

import { Flags } from '@oclif/core';

import { BaseCommand } from '../../cli/base-command.js';
import { renderTable } from '../../cli/table.js';
import { infraUp, resolveIacDir, type InfraUpResult } from '../../core/infra/index.js';
import { paragraphs } from '../../cli/text.js';

export default class InfraUp extends BaseCommand {
  static summary = 'Create or update the AWS stack with Terraform and save its bucket, registry and region.';

  static description =
    paragraphs(`Runs terraform init, plan and apply in the stack's directory (./iac in a checkout, otherwise a
copy of the shipped iac/ in ./.healthpredict/iac, where the state stays), streaming Terraform's output to stderr.
The variables given are saved in healthpredict.auto.tfvars.json there, so later runs and infra down reuse them.
Then reads terraform output -json and saves store (s3://<bucket>/healthpredict), registry (the ECR repository URI)
and awsRegion into the configuration file in effect (healthpredict.config.json when there is none), keeping its
other keys, so that later commands use the stack. Needs terraform on PATH and AWS credentials.`);

  static examples = [
    '<%= config.bin %> infra up --operator-cidr 203.0.113.7/32',
    '<%= config.bin %> infra up --region eu-west-1 --instance-type t3.xlarge --key-name my-key --json',
  ];

  static flags = {
    region: Flags.string({ description: 'AWS region of a new stack [default: awsRegion, else us-east-1].' }),
    'instance-type': Flags.string({ description: 'EC2 instance type of the host [default t3.large].' }),
    'operator-cidr': Flags.string({
      description: 'The only network let in (SSH, Airflow, MLflow, the model service), e.g. 203.0.113.7/32.',
    }),
    'key-name': Flags.string({ description: 'An existing EC2 key pair for SSH [default: none].' }),
    'name-prefix': Flags.string({ description: 'Prefix of every resource name [default healthpredict].' }),
    dir: Flags.string({
      description: 'Terraform directory of the stack [default: ./iac, else ./.healthpredict/iac].',
    }),
  };

  async run(): Promise<InfraUpResult> {
    const { flags } = await this.parse(InfraUp);
    const resolved = this.resolveConfig({}, flags.config);
    const result = await infraUp({
      dir: await resolveIacDir(process.cwd(), flags.dir),
      variables: {
        region: flags.region,
        instance_type: flags['instance-type'],
        operator_cidr: flags['operator-cidr'],
        key_name: flags['key-name'],
        name_prefix: flags['name-prefix'],
      },
      fallbackRegion: resolved.values.awsRegion,
      configFile: resolved.file ?? resolve('healthpredict.config.json'),
    });

    this.log(
      renderTable(
        ['output', 'value'],
        Object.entries(result.outputs).map(([k, v]) => [k, String(v)]),
      ),
    );
    this.log(`saved store, registry and awsRegion into ${result.config.file}`);
    return result;
  }
}
