"""Experiment tracking and model registry through MLflow (ADR-0016).

* `bankchurn.tracking.config`: where runs go (``MLFLOW_TRACKING_URI``, default a local
  SQLite store in the git-ignored ``mlruns/``) and whether tracking is on.
* `bankchurn.tracking.log_run`: log one training run (parameters, the metrics of
  ``metrics.json``, the data hash, plots and the model with its signature) and register it.
* `bankchurn.tracking.registry`: promote a version to an alias, fetch a registered version
  for serving (with the integrity check of its artifact).
* `bankchurn.tracking.pyfunc_model`: the code MLflow loads to score a logged model.

MLflow is imported inside the functions that need it, never by this package: importing it costs
seconds, and ``bankchurn --help``, the data commands and the API with a file model never pay it.
"""
