import { Args, Flags } from '@oclif/core';

import { BaseCommand } from '../cli/base-command.js';
import { connectEngine } from '../core/container/engine.js';
import { pushImage, registryCredentialsFromEnv, type PushResult } from '../core/container/push.js';
import { info } from '../core/util/log.js';
import { paragraphs } from '../cli/text.js';

export default class Push extends BaseCommand {
  static summary = 'Push a built image to a registry or to Amazon ECR.';

  static description =
    paragraphs(`Tags the local image into the repository --registry names (or keeps its own) and pushes
every tag through the Docker Engine API. For an ECR repository URI
(<account>.dkr.ecr.<region>.amazonaws.com/<name>) it logs in with a fresh token from GetAuthorizationToken,
and with --create-repository creates the repository (scan on push) when it is missing. Other registries are
pushed to anonymously, or with HEALTHPREDICT_REGISTRY_USERNAME and HEALTHPREDICT_REGISTRY_PASSWORD. Prints the
digest the registry answered, and the pinned reference that \`healthpredict deploy --image\` takes.`);

  static examples = [
    '<%= config.bin %> push healthpredict:3-1a2b3c4 --registry 127.0.0.1:5000/healthpredict',
    '<%= config.bin %> push 127.0.0.1:5000/healthpredict:3-1a2b3c4 --json',
    '<%= config.bin %> push healthpredict:3-1a2b3c4 --registry 123456789012.dkr.ecr.eu-west-1.amazonaws.com/healthpredict --create-repository',
  ];

  static args = {
    image: Args.string({
      required: true,
      description: 'The local image, repository:tag (what build printed).',
    }),
  };

  static flags = {
    registry: Flags.string({
      description:
        'Repository to push to: host[:port]/repository or an ECR repository URI [env: HEALTHPREDICT_REGISTRY].',
    }),
    tag: Flags.string({
      multiple: true,
      description: "Tags to push (repeatable) [default: the image's own tag].",
    }),
    'create-repository': Flags.boolean({ description: 'ECR: create the repository when it is missing.' }),
    'aws-region': Flags.string({ description: 'AWS region of ECR [env: AWS_REGION].' }),
  };

  async run(): Promise<PushResult> {
    const { args, flags } = await this.parse(Push);
    const { values } = this.resolveConfig(
      { registry: flags.registry, awsRegion: flags['aws-region'] },
      flags.config,
    );
    const result = await pushImage({
      engine: await connectEngine(),
      image: args.image,
      registry: values.registry,
      tags: flags.tag,
      createRepository: flags['create-repository'],
      awsRegion: values.awsRegion,
      credentials: registryCredentialsFromEnv(),
      onLog: info,
    });

    if (result.ecr?.repository === 'created') this.log(`created the ECR repository ${result.repository}`);
    this.log(`pushed ${result.tags.join(', ')}`);
    this.log(`digest ${result.digest}: ${result.reference}`);
    return result;
  }
}
