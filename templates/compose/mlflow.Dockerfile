# MLflow's own image lacks the Postgres driver and boto3 (S3 artifacts).
FROM ghcr.io/mlflow/mlflow:v2.11.3
RUN pip install --no-cache-dir psycopg2-binary==2.9.9 boto3==1.34.69
