"""The code MLflow runs to score a logged BankChurn model ("models from code").

MLflow copies this file into every logged model and executes it on ``mlflow.pyfunc.load_model``:
it declares the scorer with `mlflow.models.set_model`. The wrapper itself is never
pickled; the one pickled object is the model artifact (``artifacts/model.joblib``, the
`bankchurn.artifacts` format), read by the package's own loader. Scoring needs the
``bankchurn`` package installed (the artifact's classes live there).
"""

from __future__ import annotations

from typing import Any

import mlflow
import pandas as pd
from mlflow.pyfunc import PythonModel

from bankchurn.artifacts import load_artifact, predict_proba
from bankchurn.tracking.log_run import ARTIFACT_KEY


class ChurnModel(PythonModel):
    """Calibrated churn probabilities of customers given as the contract's feature columns."""

    def load_context(self, context: Any) -> None:
        """Load the artifact once, through the package's loader (its checks apply)."""
        self.artifact = load_artifact(context.artifacts[ARTIFACT_KEY])

    # A DataFrame hint is one MLflow infers no schema from: the logged signature (the contract's
    # feature columns) stays what validates the input.
    def predict(
        self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None
    ) -> pd.DataFrame:
        """One ``churn_probability`` per input row, in order."""
        frame = pd.DataFrame(model_input)
        return pd.DataFrame({"churn_probability": predict_proba(self.artifact, frame)})


mlflow.models.set_model(ChurnModel())
