# syntax=docker/dockerfile:1.7
# MLflow tracking server: PostgreSQL backend store, S3 artifacts (proxied), basic-auth on.
#   docker build -f infra/docker/mlflow.Dockerfile -t "$ECR/mlflow:$TAG" .
FROM python:3.11-slim-bookworm

# Same versions as requirements.lock, so clients and server speak the same MLflow.
ARG MLFLOW_VERSION=3.17.2
RUN pip install --no-cache-dir \
      "mlflow[auth]==${MLFLOW_VERSION}" \
      "psycopg2-binary==2.9.13" \
      "boto3==1.44.5" \
    && useradd --uid 10001 --no-create-home --home-dir /tmp mlflow

COPY --chmod=0755 infra/docker/mlflow-entrypoint.sh /usr/local/bin/mlflow-entrypoint.sh

USER 10001
EXPOSE 5000
# The job runner forks workers that idle at hundreds of MiB; this server only tracks and proxies.
ENV MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false \
    MLFLOW_DISABLE_TELEMETRY=true \
    HOME=/tmp
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5000/health', timeout=4)"]
ENTRYPOINT ["/usr/local/bin/mlflow-entrypoint.sh"]
