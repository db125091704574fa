"""The served model: a fitted pipeline plus its calibrator, scored fast.

Class weighting inflates probabilities, so every served model is a
[`CalibratedChurnModel`][bankchurn.models.CalibratedChurnModel]: the pipeline refitted on all
training rows plus a monotone calibrator fitted on its out-of-fold (time-ordered) predictions on
the same training rows. No test row is ever seen by any ``fit``. Scoring takes the fitted
boosting library's booster straight ([`booster_score`][bankchurn.models.booster_score]) and the
preprocessing on arrays ([`ArrayPreprocessor`][bankchurn.features.ArrayPreprocessor]): the same
numbers as the plain pipeline, without its per-call overhead. Which pipelines are trained and
how the target is chosen: `bankchurn.candidates`, `bankchurn.tuning`, `bankchurn.selection`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from lightgbm import LGBMClassifier
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from xgboost import XGBClassifier

from bankchurn.contract import FEATURES
from bankchurn.features import ArrayPreprocessor
from bankchurn.split import Folds
from bankchurn.threads import N_JOBS, scoring_context, scoring_pool, single_threaded

CalibrationMethod = Literal["sigmoid", "isotonic"]

#: Probabilities are clipped away from 0 and 1 before the logit of sigmoid calibration.
_EPS = 1e-6
#: Rows from which one scoring call is split over `N_JOBS` threads (both boosters release the GIL).
PARALLEL_ROWS = 20_000


def oof_predictions(
    pipeline: Pipeline, X: pd.DataFrame, y: np.ndarray, folds: Folds
) -> tuple[np.ndarray, list[float]]:
    """Out-of-fold churn scores of an unfitted pipeline, and each fold's ROC-AUC.

    Rows never used for validation (the first time block) are NaN.
    """

    def one_fold(train_idx: np.ndarray, val_idx: np.ndarray) -> np.ndarray:
        # The OpenMP limit is per thread, so it is set inside each worker thread.
        with single_threaded():
            fitted = clone(pipeline).fit(X.iloc[train_idx], y[train_idx])
            return fitted.predict_proba(X.iloc[val_idx])[:, 1]

    preds = Parallel(n_jobs=N_JOBS, prefer="threads")(delayed(one_fold)(tr, va) for tr, va in folds)
    oof = np.full(len(y), np.nan)
    scores: list[float] = []
    for (_, val_idx), pred in zip(folds, preds, strict=True):
        oof[val_idx] = pred
        scores.append(float(roc_auc_score(y[val_idx], pred)))
    return oof, scores


def booster_score(classifier: Any) -> Callable[[np.ndarray], np.ndarray] | None:
    """The positive-class probability of a fitted binary booster, called on its booster.

    The same call the library's ``predict_proba`` makes (XGBoost ``inplace_predict``, LightGBM
    ``Booster.predict`` on all trees, one thread), minus the wrapper's per-call input checks
    and column bookkeeping, which cost more than a small booster's trees for one row.
    ``None`` for anything else (then ``predict_proba`` is used): another classifier, more
    than two classes, or a model stopped early (its wrapper would cut the trees).
    """
    if isinstance(classifier, XGBClassifier):
        booster = classifier.get_booster()
        binary = classifier.objective == "binary:logistic" and classifier.n_classes_ == 2
        if not binary or booster.attr("best_iteration") is not None:
            return None
        missing = classifier.missing

        def xgb_score(matrix: np.ndarray) -> np.ndarray:
            return np.asarray(
                booster.inplace_predict(matrix, missing=missing, validate_features=False)
            )

        return xgb_score
    if isinstance(classifier, LGBMClassifier):
        if (
            classifier.n_classes_ != 2
            or classifier.best_iteration_
            or classifier.objective_ != "binary"
        ):
            return None
        lgbm = classifier.booster_

        def lgbm_score(matrix: np.ndarray) -> np.ndarray:
            return np.asarray(lgbm.predict(matrix, num_threads=1, validate_features=False))

        return lgbm_score
    return None


class CalibratedChurnModel(ClassifierMixin, BaseEstimator):
    """A pipeline refitted on all training rows plus a calibrator fitted on training rows only.

    ``fit`` computes out-of-fold scores on the given (time-ordered) folds of the training
    rows, fits a monotone calibrator on them, then refits the pipeline on every training row.
    Sigmoid calibration (Platt scaling on the logit of the score) is strictly increasing, so it
    leaves ROC-AUC, PR-AUC and the top-10 % ranking untouched; isotonic may create ties.

    Args:
        estimator: Unfitted sklearn ``Pipeline`` with ``predict_proba``.
        method: ``sigmoid`` or ``isotonic``.
    """

    #: ``predict_proba`` also takes a mapping of feature columns (read by `bankchurn.artifacts`).
    scores_columns = True

    def __init__(self, estimator: Pipeline, method: CalibrationMethod = "sigmoid") -> None:
        self.estimator = estimator
        self.method = method

    def fit(
        self, X: pd.DataFrame, y: np.ndarray | pd.Series, folds: Folds | None = None, seed: int = 0
    ) -> CalibratedChurnModel:
        """Fit calibrator on out-of-fold scores, then the pipeline on all rows.

        Args:
            X: Training features (contract columns).
            y: Training labels.
            folds: Validation folds over the rows of ``X``; stratified 3-fold when ``None``.
            seed: Seed of the stratified fallback folds.
        """
        y_arr = np.asarray(y).astype(int)
        if folds is None:
            skf = StratifiedKFold(n_splits=3, shuffle=True, random_state=seed)
            folds = [(np.asarray(a), np.asarray(b)) for a, b in skf.split(X, y_arr)]
        oof, scores = oof_predictions(self.estimator, X, y_arr, folds)
        seen = ~np.isnan(oof)
        self.calibrator_ = self._fit_calibrator(oof[seen], y_arr[seen])
        self.oof_scores_ = oof  # raw out-of-fold scores (NaN where never validated)
        self.cv_scores_ = scores
        with single_threaded():
            self.estimator_ = clone(self.estimator).fit(X, y_arr)
        self.classes_ = np.array([0, 1])
        return self

    def _fit_calibrator(self, scores: np.ndarray, y: np.ndarray) -> BaseEstimator:
        if self.method == "isotonic":
            return IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(scores, y)
        if self.method == "sigmoid":
            return LogisticRegression(C=1e6, max_iter=1000).fit(_logit(scores)[:, None], y)
        raise ValueError(f"unknown calibration method {self.method!r}")

    def calibrate(self, scores: np.ndarray) -> np.ndarray:
        """Map raw model scores to calibrated churn probabilities.

        The sigmoid calibrator is applied as its own arithmetic (``logit @ coef.T + intercept``,
        then ``expit``, as ``LogisticRegression.predict_proba`` computes it) without the input
        re-validation that costs more than the arithmetic for one row; the numbers are the
        same (``tests/bankchurn/test_models_fast_scoring.py``).
        """
        scores = np.asarray(scores, dtype="float64")
        if self.method == "isotonic":
            return np.asarray(self.calibrator_.predict(scores), dtype="float64")
        cal = self.calibrator_
        z = (_logit(scores)[:, None] @ cal.coef_.T + cal.intercept_).reshape(-1)
        return np.asarray(expit(z), dtype="float64")

    def predict_raw(self, X: pd.DataFrame) -> np.ndarray:
        """Uncalibrated scores of the pipeline (inflated by ``class_weight='balanced'``).

        Frames go through the pipeline's fitted steps on NumPy arrays
        ([`ArrayPreprocessor`][bankchurn.features.ArrayPreprocessor]): same steps, same numbers as
        ``self.estimator_.predict_proba(X)``, without the per-call pandas overhead that
        dominates small inputs. Anything else takes the plain pipeline route.
        """
        with scoring_context():
            return self._raw(X)

    def _raw(self, X: pd.DataFrame | Mapping[str, Any]) -> np.ndarray:
        """[`predict_raw`][bankchurn.models.predict_raw] without entering the scoring context (the caller has)."""
        route = self._array_route()
        if not isinstance(X, pd.DataFrame) and isinstance(X, Mapping):
            if route is None:
                X = pd.DataFrame({name: X[name] for name in FEATURES})
        elif route is None or not isinstance(X, pd.DataFrame):
            return self.estimator_.predict_proba(X)[:, 1]
        assert route is not None
        score = self._booster_score()
        if score is None:
            return self.estimator_.steps[-1][1].predict_proba(route.transform(X))[:, 1]
        if not isinstance(X, pd.DataFrame) or len(X) < PARALLEL_ROWS:
            return score(route.transform(X))
        # Rows are scored independently, so blocks give the same numbers as one call.
        frame = X
        bounds = np.linspace(0, len(frame), N_JOBS + 1).astype(int)

        def block(i: int) -> np.ndarray:
            with scoring_context():
                return score(route.transform(frame.iloc[bounds[i] : bounds[i + 1]]))

        return np.concatenate(list(scoring_pool().map(block, range(N_JOBS))))

    def _booster_score(self) -> Callable[[np.ndarray], np.ndarray] | None:
        """The classifier's positive-class score straight from its booster (cached, not pickled)."""
        try:
            return self.__dict__["_booster_score_cache"]
        except KeyError:
            pass
        score = booster_score(self.estimator_.steps[-1][1])
        self.__dict__["_booster_score_cache"] = score
        return score

    def _array_route(self) -> ArrayPreprocessor | None:
        """The fitted preprocessing's NumPy route, built once per loaded model (not pickled)."""
        try:
            return self.__dict__["_array_route_cache"]
        except KeyError:
            pass
        route = None
        steps = self.estimator_.steps
        final = steps[-1][1]
        # The classifier must have been fitted on arrays (no column names to check).
        if len(steps) == 2 and not hasattr(final, "feature_names_in_"):
            route = ArrayPreprocessor.from_fitted(steps[0][1])
        self.__dict__["_array_route_cache"] = route
        return route

    def __getstate__(self) -> dict[str, Any]:
        # A copy (Python may hand back __dict__ itself), without the route: it is derived from
        # the fitted steps and rebuilt after loading, so artifacts stay as they were.
        state = dict(super().__getstate__())
        state.pop("_array_route_cache", None)
        state.pop("_booster_score_cache", None)
        return state

    def predict_proba(self, X: pd.DataFrame | Mapping[str, Any]) -> np.ndarray:
        """Calibrated probabilities, shape ``(n, 2)``.

        ``X`` is a frame, or a mapping of contract feature name to a column of values (what a
        request holds: no frame to build for one row).
        """
        with scoring_context():
            p = self.calibrate(self._raw(X))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Label at probability 0.5 (the operating threshold lives in the artifact metadata)."""
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype="float64"), _EPS, 1.0 - _EPS)
    return np.log(p / (1.0 - p))


def feature_names(model: CalibratedChurnModel) -> list[str]:
    """Readable names of the columns the classifier sees (after preprocessing)."""
    return [str(n) for n in model.estimator_.named_steps["preprocess"].get_feature_names_out()]


def coefficients(model: CalibratedChurnModel) -> list[dict[str, Any]]:
    """Logistic-regression coefficients by feature name (standardised inputs), largest first.

    Raises:
        ValueError: If the model is not linear.
    """
    clf = model.estimator_.named_steps["model"]
    if not hasattr(clf, "coef_"):
        raise ValueError("only the linear model has coefficients")
    rows: list[dict[str, Any]] = [
        {"feature": name, "coefficient": float(c)}
        for name, c in zip(feature_names(model), clf.coef_[0], strict=True)
    ]
    rows.sort(key=lambda r: (-abs(r["coefficient"]), r["feature"]))
    return [{"feature": "(intercept)", "coefficient": float(clf.intercept_[0])}, *rows]
