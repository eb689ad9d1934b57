# syntax=docker/dockerfile:1.7
# Airflow 3 with the shadowloop project and its DAGs installed. Build from the repository root:
#   docker build -f infra/docker/airflow.Dockerfile -t "$ECR/airflow:$TAG" .
# The GPU training image is the same file with the CUDA build of torch:
#   docker build -f infra/docker/airflow.Dockerfile --build-arg TORCH_INDEX_URL=https://download.pytorch.org/whl/cu126 \
#     -t "$ECR/airflow:$TAG-cuda" .
# checkov:skip=CKV_DOCKER_2:One image runs several Airflow components; the Helm chart gives each its own probe.
ARG AIRFLOW_VERSION=3.3.2
ARG PYTHON_VERSION=3.11
FROM apache/airflow:${AIRFLOW_VERSION}-python${PYTHON_VERSION}

ARG TORCH_VERSION=2.13.0
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu

# The base image's non-root user (airflow, uid 50000); pip installs into its home, as the Airflow image expects.
USER 50000
WORKDIR /opt/shadowloop

# Dependencies first: this layer is reused until the lock changes.
COPY --chown=airflow:root requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock \
    && pip install --no-cache-dir --index-url "${TORCH_INDEX_URL}" "torch==${TORCH_VERSION}"

COPY --chown=airflow:root pyproject.toml README.md ./
COPY --chown=airflow:root shadowloop ./shadowloop
COPY --chown=airflow:root pipelines ./pipelines
COPY --chown=airflow:root model_registry ./model_registry
COPY --chown=airflow:root serving ./serving
RUN pip install --no-cache-dir --no-deps .

# DAGs are baked in (no git-sync): a deployed image tag pins the DAG code and the specs together.
COPY --chown=airflow:root dags /opt/airflow/dags
COPY --chown=airflow:root specs /opt/shadowloop/specs
ENV SHADOWLOOP_PROFILE=production \
    SHADOWLOOP_SPECS_DIR=/opt/shadowloop/specs \
    SHADOWLOOP_HOME=/tmp/shadowloop
