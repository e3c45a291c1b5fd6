import { Flags } from '@oclif/core';

import { BaseCommand } from '../cli/base-command.js';
import { storeFlags, storeSettings } from '../cli/flags.js';
import { buildImage, type BuildResult } from '../core/container/build.js';
import { DEFAULT_BASE_IMAGE } from '../core/container/context.js';
import { registryCredentialsFromEnv } from '../core/container/push.js';
import { openBackends } from '../core/pipeline/backends.js';
import { info } from '../core/util/log.js';
import { paragraphs } from '../cli/text.js';

export default class Build extends BaseCommand {
  static summary = 'Build the serving image of one registered model version.';

  static description =
    paragraphs(`Writes a build context from templates/docker/ (the base image, a non-root user, the built CLI
with its production dependencies, and the model artifact of one version baked in, so that the image pins that
version) and builds it through the Docker Engine API at DOCKER_HOST or /var/run/docker.sock, streaming the
engine's log to stderr. The image is tagged <model-version>-<git-sha7> and with every --tag, in the repository
--registry names (healthpredict when none), and labelled with the model's name, version and run id and the source
commit (OCI annotations). --context-out writes the context and stops, with no engine. --push pushes it as
\`healthpredict push\` does.`);

  static examples = [
    '<%= config.bin %> build',
    '<%= config.bin %> build --model-uri models:/HealthPredict/3 --registry 127.0.0.1:5000/healthpredict --push --json',
    '<%= config.bin %> build --context-out ./image-context',
    '<%= config.bin %> build --registry 123456789012.dkr.ecr.eu-west-1.amazonaws.com/healthpredict --push --create-repository',
  ];

  static flags = {
    'model-uri': Flags.string({
      default: 'models:/HealthPredict@champion',
      description: 'The registered version to bake in: models:/NAME/VERSION or models:/NAME@ALIAS.',
    }),
    registry: Flags.string({
      description:
        'Repository to tag into: host[:port]/repository or an ECR repository URI [env: HEALTHPREDICT_REGISTRY].',
    }),
    tag: Flags.string({
      multiple: true,
      description: 'Another tag besides <model-version>-<git-sha7> (repeatable).',
    }),
    'base-image': Flags.string({
      default: DEFAULT_BASE_IMAGE,
      description:
        'Base image with node at /usr/local/bin or on PATH (templates/docker/make-base-image.sh makes one).',
    }),
    'context-out': Flags.string({
      description: 'Write the build context to this directory and stop (no engine needed).',
    }),
    'source-commit': Flags.string({
      env: 'HEALTHPREDICT_SOURCE_COMMIT',
      description:
        'The commit the CLI was built from [env: HEALTHPREDICT_SOURCE_COMMIT; default: git rev-parse HEAD].',
    }),
    push: Flags.boolean({ description: 'Push the image after building it (as `healthpredict push`).' }),
    'create-repository': Flags.boolean({
      description: 'With --push to ECR: create the repository when missing.',
    }),
    'aws-region': Flags.string({ description: 'AWS region of ECR [env: AWS_REGION].' }),
    ...storeFlags,
  };

  async run(): Promise<BuildResult> {
    const { flags } = await this.parse(Build);
    const { values } = this.resolveConfig(
      {
        ...storeSettings(flags),
        registry: flags.registry,
        awsRegion: flags['aws-region'],
      },
      flags.config,
    );
    const { tracking, registry } = openBackends(values);
    const result = await buildImage({
      stores: { tracking, registry },
      modelUri: flags['model-uri'],
      registry: values.registry,
      baseImage: flags['base-image'],
      extraTags: flags.tag,
      sourceCommit: flags['source-commit'],
      contextOut: flags['context-out'],
      push: flags.push
        ? {
            createRepository: flags['create-repository'],
            awsRegion: values.awsRegion,
            credentials: registryCredentialsFromEnv(),
          }
        : undefined,
      onLog: info,
    });

    const model = `${result.model.name} version ${result.model.version} (run ${result.model.runId})`;
    if (!result.built) {
      this.log(
        `wrote the build context of ${model} to ${result.context.dir} (${result.context.files} files)`,
      );
      this.log(`build it with: docker build -t ${result.reference} ${result.context.dir}`);
      return result;
    }
    this.log(`built ${result.tags.join(', ')} from ${model}`);
    this.log(`image ${result.imageId}, ${((result.sizeBytes ?? 0) / 1e6).toFixed(1)} MB`);
    if (result.pushed) this.log(`pushed ${result.pushed.reference}`);
    return result;
  }
}
