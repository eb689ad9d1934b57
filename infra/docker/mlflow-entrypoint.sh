#!/bin/sh
# Start the MLflow server from the shadowloop settings. basic-auth reads its admin login and user
# database from an ini file, written here (mode 600, under /tmp) from the environment.
set -eu

: "${SHADOWLOOP_MLFLOW_BACKEND_STORE_URI:?postgresql:// URL of the tracking database}"
: "${SHADOWLOOP_MLFLOW_ARTIFACTS_DESTINATION:?s3:// URI of the artifact store}"
: "${MLFLOW_AUTH_DATABASE_URI:?postgresql:// URL of the basic-auth user database}"
: "${MLFLOW_TRACKING_USERNAME:?admin user name}"
: "${MLFLOW_TRACKING_PASSWORD:?admin password}"

umask 077
export MLFLOW_AUTH_CONFIG_PATH=/tmp/basic_auth.ini
cat >"$MLFLOW_AUTH_CONFIG_PATH" <<INI
[mlflow]
default_permission = READ
database_uri = ${MLFLOW_AUTH_DATABASE_URI}
admin_username = ${MLFLOW_TRACKING_USERNAME}
admin_password = ${MLFLOW_TRACKING_PASSWORD}
authorization_function = mlflow.server.auth:authenticate_request_basic_auth
INI

exec mlflow server \
  --app-name basic-auth \
  --backend-store-uri "$SHADOWLOOP_MLFLOW_BACKEND_STORE_URI" \
  --artifacts-destination "$SHADOWLOOP_MLFLOW_ARTIFACTS_DESTINATION" \
  --host 0.0.0.0 \
  --port 5000 \
  --workers "${MLFLOW_WORKERS:-2}" \
  --allowed-hosts "${MLFLOW_ALLOWED_HOSTS:-localhost,127.0.0.1}" \
  "$@"
