import { Flags } from '@oclif/core';

import { BaseCommand } from '../cli/base-command.js';
import { floatFlag, storeFlags, storeSettings } from '../cli/flags.js';
import {
  deployExitCode,
  deployFailureMessage,
  deployModel,
  type DeployResult,
} from '../core/deploy/deploy.js';
import { EXIT_CODES, OutcomeExit } from '../core/errors/index.js';
import { openBackends } from '../core/pipeline/backends.js';
import { paragraphs } from '../cli/text.js';

export default class Deploy extends BaseCommand {
  static summary = 'Roll a registered model version out on Kubernetes, verify it, and record it as deployed.';

  static description =
    paragraphs(`Applies a Deployment (2+ replicas, maxUnavailable 0, readiness on /ready, liveness on
/health, non-root, read-only root file system), a NodePort Service and, with --hpa, a HorizontalPodAutoscaler,
by server-side apply with the field manager healthpredict, with the image pinned by digest where the registry
gives one. For an ECR image, the image-pull secret is made again from a fresh ECR token on every deploy (tokens
last 12 hours). It then waits for the rollout (observed generation, updated and available replicas, no old pod
left) up to --timeout, and checks that /model-info behind the Service answers the expected version. Only then is
the version recorded as deployed: version tags deployed=true, deployed_at, deployed_image, deployed_target, and a
line in registry/promotions.jsonl in the store. On any failure it restores the revision that served before (or
removes what a first deploy created), records nothing, and exits ${EXIT_CODES.rolledBack} (${EXIT_CODES.rollbackFailed} when the rollback failed too).
--dry-run prints the manifests as YAML and touches no cluster.`);

  static examples = [
    '<%= config.bin %> deploy --image 127.0.0.1:5000/healthpredict@sha256:… --dry-run',
    '<%= config.bin %> deploy --model-uri models:/HealthPredict/3 --image 127.0.0.1:5000/healthpredict:3-1a2b3c4 --json',
    '<%= config.bin %> deploy --registry 123456789012.dkr.ecr.eu-west-1.amazonaws.com/healthpredict --hpa --max-replicas 8',
  ];

  static flags = {
    'model-uri': Flags.string({
      default: 'models:/HealthPredict@champion',
      description: 'The registered version to deploy: models:/NAME/VERSION or models:/NAME@ALIAS.',
    }),
    image: Flags.string({
      description:
        'The image: REPOSITORY@sha256:DIGEST or REPOSITORY:TAG [default: <registry>:<version>-<git-sha7>].',
    }),
    registry: Flags.string({
      description: 'Image repository for the default --image [env: HEALTHPREDICT_REGISTRY].',
    }),
    'source-commit': Flags.string({
      env: 'HEALTHPREDICT_SOURCE_COMMIT',
      description:
        'Commit in the default image tag [env: HEALTHPREDICT_SOURCE_COMMIT; default: git rev-parse HEAD].',
    }),
    name: Flags.string({
      default: 'healthpredict',
      description: 'Name of the Deployment, Service and autoscaler.',
    }),
    namespace: Flags.string({
      description: 'Kubernetes namespace [env: HEALTHPREDICT_NAMESPACE; default: default].',
    }),
    context: Flags.string({
      description:
        "Kubeconfig context [env: HEALTHPREDICT_KUBE_CONTEXT; default: the kubeconfig's current one].",
    }),
    replicas: Flags.integer({ min: 1, default: 2, description: 'Replicas without --hpa.' }),
    hpa: Flags.boolean({
      description: 'Add a HorizontalPodAutoscaler on CPU, which then owns the replica count.',
    }),
    'min-replicas': Flags.integer({ min: 1, default: 2, description: 'With --hpa: fewest replicas.' }),
    'max-replicas': Flags.integer({ min: 1, default: 6, description: 'With --hpa: most replicas.' }),
    'cpu-target': Flags.integer({
      min: 1,
      max: 100,
      default: 70,
      description: 'With --hpa: target CPU utilisation (%).',
    }),
    'node-port': Flags.integer({
      description: 'NodePort of the Service (30000-32767) [default: chosen by the cluster].',
    }),
    'pull-secret': Flags.string({ description: 'Existing image-pull secret for a registry other than ECR.' }),
    timeout: floatFlag({
      description: 'Seconds to wait for the rollout and its check [default 300].',
      min: 1,
    }),
    'poll-interval': floatFlag({
      description: 'Seconds between two reads of the rollout [default 2].',
      min: 0.01,
    }),
    'dry-run': Flags.boolean({
      description: 'Print the manifests as YAML; touch no cluster and record nothing.',
    }),
    'aws-region': Flags.string({ description: 'AWS region of ECR [env: AWS_REGION].' }),
    ...storeFlags,
  };

  async run(): Promise<DeployResult> {
    const { flags } = await this.parse(Deploy);
    const { values } = this.resolveConfig(
      {
        ...storeSettings(flags),
        registry: flags.registry,
        namespace: flags.namespace,
        kubeContext: flags.context,
        awsRegion: flags['aws-region'],
      },
      flags.config,
    );
    const { store, tracking, registry } = openBackends(values);
    const result = await deployModel({
      tracking,
      registry,
      store,
      modelUri: flags['model-uri'],
      image: flags.image,
      imageRegistry: values.registry,
      sourceCommit: flags['source-commit'],
      name: flags.name,
      namespace: values.namespace,
      replicas: flags.replicas,
      autoscale: flags.hpa
        ? {
            minReplicas: flags['min-replicas'],
            maxReplicas: flags['max-replicas'],
            cpuUtilization: flags['cpu-target'],
          }
        : undefined,
      nodePort: flags['node-port'],
      pullSecretName: flags['pull-secret'],
      cluster: { context: values.kubeContext || undefined },
      awsRegion: values.awsRegion,
      timeoutMs: (flags.timeout ?? 300) * 1000,
      pollMs: (flags['poll-interval'] ?? 2) * 1000,
      dryRun: flags['dry-run'],
      signal: this.abort.signal,
    });

    if (result.status === 'dry-run') {
      if (!this.jsonEnabled()) process.stdout.write(result.yaml ?? '');
      return result;
    }
    const target = `${result.namespace}/${result.name} in context ${result.context}`;
    if (result.status === 'deployed') {
      const rollout = result.rollout;
      this.log(
        `deployed ${result.model.name} version ${result.model.version} as ${result.image.reference} to ${target}`,
      );
      this.log(
        `revision ${rollout?.revision ?? '?'}: ${rollout?.availableReplicas} of ${rollout?.desiredReplicas} replicas available; /model-info verified`,
      );
      return result;
    }
    const message = deployFailureMessage(result);
    if (!this.jsonEnabled()) process.stderr.write(`Error: ${message}\n`);
    throw new OutcomeExit(message, deployExitCode(result), result);
  }
}
