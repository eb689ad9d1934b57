# syntax=docker/dockerfile:1.7
# The BentoML endpoint (champion + shadow). Build from the repository root:
#   docker build -f infra/docker/endpoint.Dockerfile -t "$ECR/endpoint:$TAG" .
# (Or `bentoml build -f infra/docker/bentofile.yaml . && bentoml containerize`, same service.)
FROM python:3.11-slim-bookworm

ARG TORCH_VERSION=2.13.0
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu

WORKDIR /opt/shadowloop
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock \
    && pip install --no-cache-dir --index-url "${TORCH_INDEX_URL}" "torch==${TORCH_VERSION}" \
    && useradd --uid 10001 --no-create-home --home-dir /tmp shadowloop

COPY pyproject.toml README.md ./
COPY shadowloop ./shadowloop
COPY pipelines ./pipelines
COPY model_registry ./model_registry
COPY serving ./serving
RUN pip install --no-cache-dir --no-deps .
# The project specs carry the serving options (batching, cache TTL, shadow rate); the service's
# default `spec` argument is specs/<project>.yaml relative to this folder.
COPY specs ./specs

USER 10001
EXPOSE 3000
# Writable state goes to /tmp so the root filesystem can be mounted read-only.
ENV SHADOWLOOP_PROFILE=production \
    SHADOWLOOP_HOME=/tmp/shadowloop \
    SHADOWLOOP_SPECS_DIR=/opt/shadowloop/specs \
    BENTOML_HOME=/tmp/bentoml \
    HOME=/tmp
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/readyz', timeout=4)"]
CMD ["bentoml", "serve", "serving.service:ChampionService", "--host", "0.0.0.0", "--port", "3000"]
