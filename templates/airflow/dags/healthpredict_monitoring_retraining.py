"""Monitoring and retraining: check one future batch for drift and, on drift, retrain and redeploy.

Trigger it once per batch with a configuration such as {"batch": 3} or {"batch": 3, "force_retrain": true}.
`healthpredict monitor --exit-code` exits with the CLI's drift code when the batch shows dataset drift, and
skip_on_exit_code turns that code into a skipped task: so the monitor task ends "success" for a batch without
drift and "skipped" for a drifted one, and the retraining below runs only after a skip. Any other failure of
the monitor fails the run. Retraining triggers healthpredict_training (gated on the drifted batch itself) and
then healthpredict_deployment.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.utils.trigger_rule import TriggerRule

# `healthpredict monitor --exit-code` exits with this code when dataset drift is detected (EXIT_CODES.drift in
# the CLI, listed in its README's exit-code table).
DRIFT_EXIT_CODE = 20

BATCH = "{{ dag_run.conf.get('batch', 1) | int }}"
FORCE_RETRAIN = "dag_run.conf.get('force_retrain', false) | string | lower == 'true'"

with DAG(
    dag_id="healthpredict_monitoring_retraining",
    description="Monitor a batch for drift; on drift retrain, gate and redeploy",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 0},
    tags=["healthpredict"],
) as dag:
    # force_retrain treats a batch without drift as drifted; the stored report still says what was found.
    monitor = BashOperator(
        task_id="monitor",
        bash_command=(
            f"healthpredict monitor --batch {BATCH} --exit-code --json"
            f"{{% if {FORCE_RETRAIN} %}} && exit {DRIFT_EXIT_CODE}{{% endif %}}"
        ),
        skip_on_exit_code=DRIFT_EXIT_CODE,
    )

    # The charts include every batch monitored so far, drifted or not.
    visualize = BashOperator(
        task_id="visualize",
        bash_command="healthpredict visualize --json",
        trigger_rule=TriggerRule.NONE_FAILED,
    )

    # Runs only when the monitor was skipped, that is on drift (or a forced retraining). The challenger is
    # gated on the drifted batch, where champion and challenger are compared on the same rows.
    retrain = TriggerDagRunOperator(
        task_id="retrain",
        trigger_dag_id="healthpredict_training",
        conf={"evaluation": "processed/batches/batch_{{ '%02d' | format(dag_run.conf.get('batch', 1) | int) }}.csv"},
        wait_for_completion=True,
        poke_interval=30,
        allowed_states=["success"],
        failed_states=["failed"],
        trigger_rule=TriggerRule.ALL_SKIPPED,
        execution_timeout=timedelta(hours=4),
    )

    # Deploys the champion: the new one when the gate promoted the challenger; otherwise the same version
    # again, whose rollout changes nothing.
    redeploy = TriggerDagRunOperator(
        task_id="redeploy",
        trigger_dag_id="healthpredict_deployment",
        wait_for_completion=True,
        poke_interval=30,
        allowed_states=["success"],
        failed_states=["failed"],
    )

    monitor >> visualize
    monitor >> retrain >> redeploy
