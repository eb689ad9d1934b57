#!/usr/bin/env bash
# Every static check of the deployment code, offline: terraform fmt + validate on each root module,
# checkov (Terraform, Dockerfiles, Kubernetes manifests), hadolint, yamllint and Kubernetes schemas.
# Installs its own tools into infra/.venv-checkov on first run; later runs reuse them.
set -euo pipefail

INFRA="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$INFRA")"
VENV="$INFRA/.venv-checkov"
PLUGIN_DIR="${SHADOWLOOP_TF_PLUGIN_DIR:-/opt/tf-plugins}"
ROOTS=(envs/bootstrap envs/dev envs/prod)
K8S_VERSION=1.33.0 # the EKS version in modules/eks

# No user terraformrc, no telemetry, no network lookups by checkov.
export TF_CLI_CONFIG_FILE=/dev/null TF_IN_AUTOMATION=1 TF_INPUT=0
export BC_SKIP_MAPPING=TRUE CHECKOV_RUN_SCA_PACKAGE_SCAN_V2=false

step() { printf '\n== %s\n' "$*"; }

SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT

tools() {
  local stamp="$VENV/.requirements.sha256" want
  want="$(sha256sum "$INFRA/requirements-checks.txt" | cut -d' ' -f1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then return; fi
  step "installing check tools into $VENV (once)"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$INFRA/requirements-checks.txt" \
    >"$VENV/install.log" 2>&1 || { cat "$VENV/install.log"; exit 1; }
  echo "$want" >"$stamp"
}

terraform_checks() {
  step "terraform fmt -check"
  terraform fmt -check -recursive -diff "$INFRA/terraform" "$REPO/tests/infra/terraform"

  step "terraform init -backend=false + validate: ${ROOTS[*]}"
  local pids=() root log
  for root in "${ROOTS[@]}"; do
    log="$SCRATCH/${root//\//-}.log"
    (
      cd "$INFRA/terraform/$root"
      if terraform init -backend=false -plugin-dir="$PLUGIN_DIR" -input=false -no-color >"$log" 2>&1 &&
        terraform validate -no-color >>"$log" 2>&1; then
        echo "  ok  $root"
      else
        echo "FAIL  $root"
        cat "$log"
        exit 1
      fi
    ) &
    pids+=($!)
  done
  local failed=0
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  return "$failed"
}

checkov_checks() {
  step "checkov: terraform, dockerfile, kubernetes"
  # Each skip is a `checkov:skip=<id>:<reason>` comment next to the resource it concerns.
  # One run per framework and folder: a shared run scans every folder with every framework.
  local framework dir
  for framework in terraform:terraform dockerfile:docker kubernetes:k8s; do
    dir="${framework#*:}"
    framework="${framework%%:*}"
    "$VENV/bin/checkov" --quiet --compact --skip-download -o cli --framework "$framework" -d "$INFRA/$dir"
  done
}

container_checks() {
  step "hadolint"
  "$VENV/bin/hadolint" --config "$INFRA/docker/hadolint.yaml" "$INFRA"/docker/*.Dockerfile

  step "yamllint"
  "$VENV/bin/yamllint" --strict -c "$INFRA/yamllint.yaml" "$INFRA/k8s" "$INFRA/helm" "$INFRA/docker"

  step "shellcheck"
  # The db-init script lives inside a ConfigMap; extract it so it is checked like the others.
  local dbinit="$SCRATCH/db-init.sh"
  "$VENV/bin/python" -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["data"]["init.sh"])' \
    "$INFRA/k8s/db-init/configmap.yaml" >"$dbinit"
  "$VENV/bin/shellcheck" "$INFRA/check.sh" "$INFRA"/scripts/*.sh "$INFRA"/docker/*.sh "$dbinit"

  step "kubernetes schemas (strict, $K8S_VERSION)"
  # CustomResources (ExternalSecret, SecretStore) have no bundled schema: yamllint covers their syntax.
  find "$INFRA/k8s" -name '*.yaml' ! -path '*/external-secrets/*' -print0 |
    xargs -0 "$VENV/bin/kubernetes-validate" --strict --quiet -k "$K8S_VERSION"
}

main() {
  local start=$SECONDS
  tools
  terraform_checks
  checkov_checks
  container_checks
  step "all infra checks passed in $((SECONDS - start)) s"
}

main "$@"
