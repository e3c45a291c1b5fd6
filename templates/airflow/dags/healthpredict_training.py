"""Training: every model family with hyperparameter search, then registration behind the quality gate.

Trigger it by hand or from healthpredict_monitoring_retraining, with an optional configuration such as
{"trials": 20, "seed": 42, "families": ["xgboost"], "evaluation": "processed/batches/batch_03.csv",
"max_auc_drop": 0.02}. Each task is a BashOperator that calls the healthpredict CLI with --json; the CLI takes
its store, tracking server and registry from the environment of the Airflow containers (docker-compose.yml).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator

# `healthpredict register` exits with this code (EXIT_CODES.gateRejected in the CLI) when the challenger was
# registered but the quality gate refused promotion: the task is then skipped, not failed.
GATE_REJECTED_EXIT_CODE = 10

# The task's command writes the CLI's --json result to result.json (in the task's own temporary directory),
# so that a failure keeps the CLI's exit code; this then copies the result to the task log and prints one
# field (a dotted path) as the last line, which Airflow keeps as the task's XCom value.
PRINT_FIELD = (
    "python3 -c 'import functools, json, sys; r = json.load(open(\"result.json\")); "
    'print(json.dumps(r, indent=2), file=sys.stderr); '
    "print(functools.reduce(lambda o, k: o[k], sys.argv[1].split(\".\"), r))'"
)

# Values from the run's configuration go through Jinja filters, so that no text from it reaches the shell.
TRIALS = "{{ dag_run.conf.get('trials', 20) | int }}"
SEED = "{{ dag_run.conf.get('seed', 42) | int }}"
MAX_AUC_DROP = "{{ dag_run.conf.get('max_auc_drop', 0.02) | float }}"
FAMILIES = (
    "{% for family in dag_run.conf.get('families', []) "
    "if family in ['logistic', 'random-forest', 'xgboost'] %} --family {{ family }}{% endfor %}"
)

with DAG(
    dag_id="healthpredict_training",
    description="Train with hyperparameter search and register behind the quality gate",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 0},
    tags=["healthpredict"],
) as dag:
    train = BashOperator(
        task_id="train",
        bash_command=(
            f"healthpredict train --hpo --trials {TRIALS} --seed {SEED}{FAMILIES} --json > result.json"
            f" && {PRINT_FIELD} parentRunId"
        ),
        execution_timeout=timedelta(hours=3),
    )

    # Candidates are the runs of this training invocation alone (its parent run), never the best of history.
    register = BashOperator(
        task_id="register",
        bash_command=(
            'healthpredict register --parent-run-id "$PARENT_RUN_ID" --evaluation "$EVALUATION"'
            f" --max-auc-drop {MAX_AUC_DROP} --json"
        ),
        env={
            "PARENT_RUN_ID": "{{ ti.xcom_pull(task_ids='train') }}",
            "EVALUATION": "{{ dag_run.conf.get('evaluation', 'processed/initial_test.csv') }}",
        },
        append_env=True,
        skip_on_exit_code=GATE_REJECTED_EXIT_CODE,
    )

    train >> register
