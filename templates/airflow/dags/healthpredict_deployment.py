"""Deployment: build the serving image of a registered version, push it to ECR, and roll it out.

Trigger it by hand or from healthpredict_monitoring_retraining, with an optional configuration such as
{"model_uri": "models:/HealthPredict/7", "timeout": 600}; the default is the champion. Each task is a
BashOperator that calls the healthpredict CLI with --json. The image's repository (HEALTHPREDICT_REGISTRY),
the CLI's source commit (HEALTHPREDICT_SOURCE_COMMIT) and the Service's NodePort (HEALTHPREDICT_NODE_PORT, the
port the stack opens to the operator) come from the Airflow containers (docker-compose.yml); the cluster is
the kubeconfig's current context. deploy checks that the rollout serves the version of MODEL_URI, the one
built, and rolls back otherwise.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator

# The task's command writes the CLI's --json result to result.json (in the task's own temporary directory),
# so that a failure keeps the CLI's exit code; this then copies the result to the task log and prints one
# field (a dotted path) as the last line, which Airflow keeps as the task's XCom value.
PRINT_FIELD = (
    "python3 -c 'import functools, json, sys; r = json.load(open(\"result.json\")); "
    'print(json.dumps(r, indent=2), file=sys.stderr); '
    "print(functools.reduce(lambda o, k: o[k], sys.argv[1].split(\".\"), r))'"
)

TIMEOUT = "{{ dag_run.conf.get('timeout', 600) | int }}"
MODEL_URI = "{{ dag_run.conf.get('model_uri', 'models:/HealthPredict@champion') }}"

with DAG(
    dag_id="healthpredict_deployment",
    description="Build, push and deploy the serving image of a registered model version",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 0},
    tags=["healthpredict"],
) as dag:
    # The pushed reference is pinned by digest, so the rollout runs exactly the image that was pushed.
    build = BashOperator(
        task_id="build",
        bash_command=(
            'healthpredict build --model-uri "$MODEL_URI" --push'
            ' --source-commit "$HEALTHPREDICT_SOURCE_COMMIT" --json > result.json'
            f" && {PRINT_FIELD} pushed.reference"
        ),
        env={"MODEL_URI": MODEL_URI},
        append_env=True,
        execution_timeout=timedelta(minutes=30),
    )

    deploy = BashOperator(
        task_id="deploy",
        bash_command=(
            'healthpredict deploy --model-uri "$MODEL_URI" --image "$IMAGE"'
            f' --node-port "$HEALTHPREDICT_NODE_PORT" --timeout {TIMEOUT} --json'
        ),
        env={"MODEL_URI": MODEL_URI, "IMAGE": "{{ ti.xcom_pull(task_ids='build') }}"},
        append_env=True,
        execution_timeout=timedelta(minutes=30),
    )

    build >> deploy
