"""Model pipelines, their seeded tuning and their calibration.

* ``baseline``: ``LogisticRegression(class_weight='balanced')`` on the canvas features,
  interpretable through its coefficients ([`coefficients`][bankchurn.models.coefficients]).
* ``target``: the better, by time-ordered cross-validated ROC-AUC on the training part, of two
  gradient-boosting libraries, XGBoost and LightGBM (both weighting classes as
  ``class_weight='balanced'`` does), each tuned by a seeded, bounded Optuna TPE search.

Class weighting inflates probabilities, so every served model is a
[`CalibratedChurnModel`][bankchurn.models.CalibratedChurnModel]: the pipeline refitted on all
training rows plus a monotone
calibrator fitted on its out-of-fold (time-ordered) predictions on the same training rows.
No test row is ever seen by any ``fit``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
import sklearn
from joblib import Parallel, delayed
from lightgbm import LGBMClassifier
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.utils.class_weight import compute_sample_weight
from threadpoolctl import ThreadpoolController, threadpool_limits
from xgboost import XGBClassifier

from bankchurn import params
from bankchurn.contract import FEATURES
from bankchurn.features import ArrayPreprocessor, FeatureSet, build_preprocessor
from bankchurn.split import Folds

if TYPE_CHECKING:  # imported by `tune` only: loading a model to serve it never pays for Optuna
    import optuna

ModelName = Literal["baseline", "target"]
Candidate = Literal["logistic_regression", "xgboost", "lightgbm"]
CalibrationMethod = Literal["sigmoid", "isotonic"]

TARGET_CANDIDATES: tuple[Candidate, ...] = ("xgboost", "lightgbm")
#: Probabilities are clipped away from 0 and 1 before the logit of sigmoid calibration.
_EPS = 1e-6


@dataclass(frozen=True)
class TuningBudget:
    """Bounded, deterministic search budget.

    Attributes:
        n_trials: Optuna trials per target candidate.
        n_folds: Time-ordered CV folds on the training part.
        max_trees: Upper bound of the boosting rounds (trees) of either library.
    """

    n_trials: int
    n_folds: int
    max_trees: int


#: Random trials before TPE starts modelling (Optuna's default of 10 exceeds the budget).
N_STARTUP_TRIALS = 3

#: Budget used by ``bankchurn report`` / ``train``: the ``tuning`` section of params.yaml (its
#: training time: Benchmarks page).
DEFAULT_BUDGET = TuningBudget(**params.load().tuning)
#: Small budget for tests.
FAST_BUDGET = TuningBudget(n_trials=2, n_folds=2, max_trees=100)

#: CV folds fitted at once (threads; the estimators release the GIL). Each fit itself runs on
#: one thread (``n_jobs=1`` below): nested OpenMP threads on a busy 2-core machine slow boosting
#: down by 10x or more, and one thread per fit makes the result independent of the core count.
N_JOBS = 2
#: Histogram bins of both boosting libraries: enough for 10k rows, and faster than 255.
MAX_BINS = 63


class BalancedXGBClassifier(XGBClassifier):
    """``XGBClassifier`` weighting rows as ``class_weight='balanced'`` does.

    XGBoost has no ``class_weight``; the weights ``n / (2 * n_class)`` are computed from the
    labels of each ``fit`` (so inside every CV fold too), which a fixed ``scale_pos_weight``
    set before the labels are known could not do.
    """

    def fit(self, X: Any, y: Any, **kwargs: Any) -> BalancedXGBClassifier:
        """Fit with balanced sample weights unless weights are given."""
        kwargs.setdefault("sample_weight", compute_sample_weight("balanced", y))
        return super().fit(X, y, **kwargs)


def make_estimator(candidate: Candidate, params: dict[str, Any], seed: int) -> BaseEstimator:
    """The (unfitted) classifier of a candidate with the given hyperparameters."""
    if candidate == "logistic_regression":
        return LogisticRegression(
            class_weight="balanced", max_iter=2000, random_state=seed, **params
        )
    if candidate == "xgboost":
        return BalancedXGBClassifier(
            tree_method="hist", max_bin=MAX_BINS, n_jobs=1, random_state=seed, **params
        )
    if candidate == "lightgbm":
        return LGBMClassifier(
            class_weight="balanced",
            max_bin=MAX_BINS,
            subsample_freq=1,
            n_jobs=1,
            deterministic=True,
            force_row_wise=True,
            random_state=seed,
            verbose=-1,
            **params,
        )
    raise ValueError(f"unknown candidate {candidate!r}")


def make_pipeline(
    candidate: Candidate, params: dict[str, Any], seed: int, feature_set: FeatureSet = "canvas"
) -> Pipeline:
    """Preprocessing + classifier as one ``Pipeline`` (steps ``preprocess`` and ``model``)."""
    kind: Literal["linear", "tree"] = "linear" if candidate == "logistic_regression" else "tree"
    return Pipeline(
        [
            ("preprocess", build_preprocessor(kind, feature_set)),
            ("model", make_estimator(candidate, params, seed)),
        ]
    )


def suggest_params(
    trial: optuna.Trial, candidate: Candidate, budget: TuningBudget
) -> dict[str, Any]:
    """The bounded search space of a tree candidate."""
    # Shallow, regularised trees: on ten thousand rows the churn structure (mostly main effects,
    # a few pairwise interactions) is learnt by many small trees, not by deep ones. Stumps
    # (depth 1, two leaves: an additive model) are in the space; the CV decides.
    trees = {
        "n_estimators": trial.suggest_int(
            "n_estimators", min(100, budget.max_trees), budget.max_trees, step=50
        ),
        "learning_rate": trial.suggest_float("learning_rate", 0.02, 0.3, log=True),
    }
    sampling = {
        "subsample": trial.suggest_float("subsample", 0.5, 1.0),
        "colsample_bytree": trial.suggest_float("colsample_bytree", 0.5, 1.0),
        "reg_lambda": trial.suggest_float("reg_lambda", 1e-2, 30.0, log=True),
    }
    if candidate == "xgboost":
        return {
            **trees,
            "max_depth": trial.suggest_int("max_depth", 1, 4),
            "min_child_weight": trial.suggest_float("min_child_weight", 1.0, 50.0, log=True),
            **sampling,
        }
    if candidate == "lightgbm":
        return {
            **trees,
            "num_leaves": trial.suggest_int("num_leaves", 2, 16, log=True),
            "min_child_samples": trial.suggest_int("min_child_samples", 10, 100, log=True),
            **sampling,
        }
    raise ValueError(f"{candidate!r} is not tuned")


def single_threaded() -> threadpool_limits:
    """Context limiting OpenMP/BLAS pools to one thread (see `N_JOBS`)."""
    return threadpool_limits(limits=1)


_CONTROLLER: ThreadpoolController | None = None


def _one_openmp_thread() -> Any:
    """Cheap context limiting OpenMP to one thread while scoring.

    Boosting's OpenMP prediction on a busy 2-core machine is 10x slower than one thread
    (spinning workers), for a batch of 2,500 rows as for a single row. The controller scans
    the loaded libraries once, so entering the context per call costs microseconds.
    """
    global _CONTROLLER
    if _CONTROLLER is None:
        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api="openmp")


@contextlib.contextmanager
def _scoring_context() -> Iterator[None]:
    """Context of every scoring call: one OpenMP thread, no sklearn parameter re-validation.

    ``skip_parameter_validation`` only skips re-checking hyperparameters already checked at
    fit; inputs are still checked (NaN allowed where imputed, infinities rejected). Both
    settings are thread-local, so concurrent scoring threads do not interfere.
    """
    with _one_openmp_thread(), sklearn.config_context(skip_parameter_validation=True):
        yield


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


@dataclass
class TuningResult:
    """Outcome of tuning one candidate.

    Attributes:
        candidate: Candidate name.
        params: Best hyperparameters.
        cv_scores: Per-fold ROC-AUC of the best parameters.
        n_trials: Trials run.
        trials: ``[{number, params, cv_roc_auc}]`` of every trial, in order.
    """

    candidate: Candidate
    params: dict[str, Any]
    cv_scores: list[float]
    n_trials: int
    trials: list[dict[str, Any]] = field(default_factory=list)

    @property
    def cv_mean(self) -> float:
        """Mean CV ROC-AUC."""
        return float(np.mean(self.cv_scores))


def _preprocessed_folds(
    X: pd.DataFrame, y: np.ndarray, folds: Folds, feature_set: FeatureSet = "canvas"
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Tree preprocessing fitted once per fold (on that fold's training rows only).

    The preprocessing has no tuned hyperparameter, so every trial can reuse it; this is the
    same computation as fitting the whole pipeline per trial, minus the repeated work.
    """

    def one(
        train_idx: np.ndarray, val_idx: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        pre = build_preprocessor("tree", feature_set).fit(X.iloc[train_idx], y[train_idx])
        return (
            pre.transform(X.iloc[train_idx]),
            y[train_idx],
            pre.transform(X.iloc[val_idx]),
            y[val_idx],
        )

    return [one(tr, va) for tr, va in folds]


def tune(
    candidate: Candidate,
    X: pd.DataFrame,
    y: np.ndarray,
    folds: Folds,
    seed: int,
    budget: TuningBudget = DEFAULT_BUDGET,
) -> TuningResult:
    """Seeded TPE search maximising mean time-ordered CV ROC-AUC (sequential, so deterministic).

    Each trial fits the candidate's classifier on every fold; folds run in parallel threads,
    trials one after the other (TPE then sees the same history on every run).
    """
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    data = _preprocessed_folds(X, y, folds)
    fold_scores: dict[int, list[float]] = {}

    def fit_score(
        params: dict[str, Any], Xtr: np.ndarray, ytr: np.ndarray, Xva: np.ndarray, yva: np.ndarray
    ) -> float:
        with single_threaded():
            clf = make_estimator(candidate, params, seed).fit(Xtr, ytr)
            return float(roc_auc_score(yva, clf.predict_proba(Xva)[:, 1]))

    def objective(trial: optuna.Trial) -> float:
        params = suggest_params(trial, candidate, budget)
        scores = Parallel(n_jobs=N_JOBS, prefer="threads")(
            delayed(fit_score)(params, *fold) for fold in data
        )
        fold_scores[trial.number] = [float(s) for s in scores]
        return float(np.mean(scores))

    study = optuna.create_study(
        direction="maximize",
        # Few random start-up trials so TPE actually models the rest of the small budget.
        sampler=optuna.samplers.TPESampler(seed=seed, n_startup_trials=N_STARTUP_TRIALS),
        study_name=f"{candidate}-seed{seed}",
    )
    study.optimize(objective, n_trials=budget.n_trials, n_jobs=1, show_progress_bar=False)
    best = study.best_trial
    trials = [
        {"number": t.number, "params": dict(t.params), "cv_roc_auc": float(t.value)}
        for t in study.trials
        if t.value is not None
    ]
    return TuningResult(
        candidate=candidate,
        params=dict(best.params),
        cv_scores=fold_scores[best.number],
        n_trials=len(study.trials),
        trials=trials,
    )


#: Rows from which one scoring call is split over `N_JOBS` threads (both boosters release the GIL).
PARALLEL_ROWS = 20_000
_POOL: ThreadPoolExecutor | None = None


def _scoring_pool() -> ThreadPoolExecutor:
    """The threads large scoring calls are split over (created on first use)."""
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(N_JOBS, thread_name_prefix="bankchurn-score")
    return _POOL


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
        with _scoring_context():
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
            with _scoring_context():
                return score(route.transform(frame.iloc[bounds[i] : bounds[i + 1]]))

        return np.concatenate(list(_scoring_pool().map(block, range(N_JOBS))))

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
        with _scoring_context():
            p = self.calibrate(self._raw(X))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Label at probability 0.5 (the operating threshold lives in the artifact metadata)."""
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype="float64"), _EPS, 1.0 - _EPS)
    return np.log(p / (1.0 - p))


@dataclass
class TrainedModel:
    """A fitted, calibrated model and how it was chosen.

    Attributes:
        name: ``baseline`` or ``target``.
        candidate: Estimator family chosen.
        model: The served [`CalibratedChurnModel`][bankchurn.models.CalibratedChurnModel].
        params: Hyperparameters of the chosen estimator.
        selection: JSON-ready comparison of candidates (empty for the baseline).
    """

    name: ModelName
    candidate: Candidate
    model: CalibratedChurnModel
    params: dict[str, Any]
    selection: dict[str, Any] = field(default_factory=dict)


#: Hyperparameters of the baseline (no search: it is the reference point).
BASELINE_PARAMS: dict[str, Any] = {"C": 1.0}


def train_baseline(
    X: pd.DataFrame,
    y: np.ndarray,
    folds: Folds,
    seed: int,
    feature_set: FeatureSet = "canvas",
    calibration: CalibrationMethod = "sigmoid",
) -> TrainedModel:
    """Fit the calibrated logistic-regression baseline on the training rows."""
    pipeline = make_pipeline("logistic_regression", BASELINE_PARAMS, seed, feature_set)
    model = CalibratedChurnModel(pipeline, method=calibration).fit(X, y, folds=folds, seed=seed)
    return TrainedModel("baseline", "logistic_regression", model, dict(BASELINE_PARAMS))


def train_target(
    X: pd.DataFrame,
    y: np.ndarray,
    folds: Folds,
    seed: int,
    budget: TuningBudget = DEFAULT_BUDGET,
    calibration: CalibrationMethod = "sigmoid",
    candidates: tuple[Candidate, ...] = TARGET_CANDIDATES,
) -> tuple[TrainedModel, dict[Candidate, TuningResult]]:
    """Tune each tree candidate, keep the best by mean CV ROC-AUC, fit it calibrated.

    Returns:
        The chosen [`TrainedModel`][bankchurn.models.TrainedModel] and every candidate's
        [`TuningResult`][bankchurn.models.TuningResult].
    """
    results = {c: tune(c, X, y, folds, seed, budget) for c in candidates}
    # Ties (equal mean to 6 decimals) resolve to the first candidate listed: deterministic.
    chosen = max(candidates, key=lambda c: round(results[c].cv_mean, 6))
    pipeline = make_pipeline(chosen, results[chosen].params, seed)
    model = CalibratedChurnModel(pipeline, method=calibration).fit(X, y, folds=folds, seed=seed)
    selection = {
        "chosen": chosen,
        "criterion": "mean time-ordered CV ROC-AUC on the training part",
        "candidates": {
            c: {
                "cv_roc_auc_mean": r.cv_mean,
                "cv_roc_auc_std": float(np.std(r.cv_scores)),
                "cv_fold_roc_auc": r.cv_scores,
                "best_params": r.params,
                "n_trials": r.n_trials,
                "trials": r.trials,
            }
            for c, r in results.items()
        },
        "budget": {
            "n_trials": budget.n_trials,
            "n_folds": budget.n_folds,
            "max_trees": budget.max_trees,
            "sampler": f"optuna TPESampler(seed={seed}, n_startup_trials={N_STARTUP_TRIALS})",
        },
    }
    return TrainedModel("target", chosen, model, dict(results[chosen].params), selection), results


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
