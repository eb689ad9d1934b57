"""The steps of the loop as plain typed functions: no Airflow, MLflow or BentoML here."""
