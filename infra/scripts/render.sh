#!/usr/bin/env bash
# Fill the ${...} placeholders of infra/k8s and infra/helm from Terraform outputs and AWS, into OUT_DIR.
#   infra/scripts/render.sh prod "$(git rev-parse --short HEAD)" build/k8s-prod
# Only the variables listed in PLACEHOLDERS are replaced, so shell code inside manifests is left alone.
set -euo pipefail

ENV_NAME="${1:?usage: render.sh <dev|prod> <image-tag> <out-dir>}"
IMAGE_TAG="${2:?image tag}"
OUT_DIR="${3:?output folder}"
INFRA="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck disable=SC2016 # envsubst wants the literal \${NAME} list, unexpanded
PLACEHOLDERS='${NAME} ${AWS_REGION} ${AWS_ACCOUNT_ID} ${ECR_REGISTRY} ${IMAGE_TAG} ${LAKE_URI} ${LAKE_BUCKET} ${MLFLOW_ARTIFACTS_DESTINATION} ${DB_MASTER_SECRET_ARN}'

tf_output() { terraform -chdir="$INFRA/terraform/envs/$ENV_NAME" output -raw "$1"; }

export NAME="shadowloop-$ENV_NAME" IMAGE_TAG
AWS_REGION="$(tf_output aws_region)"
LAKE_URI="$(tf_output lake_uri)"
MLFLOW_ARTIFACTS_DESTINATION="$(tf_output mlflow_artifacts_destination)"
LAKE_BUCKET="$(echo "$LAKE_URI" | sed -E 's#^s3://([^/]+).*#\1#')"
AWS_ACCOUNT_ID="$(aws sts get-caller-identity --query Account --output text)"
ECR_REGISTRY="$AWS_ACCOUNT_ID.dkr.ecr.$AWS_REGION.amazonaws.com"
# The RDS-managed master secret has a generated name; only db-init reads it.
DB_MASTER_SECRET_ARN="$(aws rds describe-db-instances --region "$AWS_REGION" --db-instance-identifier "$NAME" \
  --query 'DBInstances[0].MasterUserSecret.SecretArn' --output text)"
export AWS_REGION LAKE_URI MLFLOW_ARTIFACTS_DESTINATION LAKE_BUCKET AWS_ACCOUNT_ID ECR_REGISTRY DB_MASTER_SECRET_ARN

for src in k8s helm; do
  (cd "$INFRA/$src" && find . -name '*.yaml' -print) | while read -r file; do
    mkdir -p "$OUT_DIR/$src/$(dirname "$file")"
    envsubst "$PLACEHOLDERS" <"$INFRA/$src/$file" >"$OUT_DIR/$src/$file"
  done
done
echo "rendered $NAME ($IMAGE_TAG) into $OUT_DIR"
