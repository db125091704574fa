"""The monitor scored against the truth the synthetic generator knows (``reports/monitoring.json``).

Three measurements, all on the embedded synthetic extract and the target model:

* **False alarms**: reference and current samples drawn from ONE distribution (a month without
  injected drift), `N_NULL_SAMPLES` times at the monthly volume; the share of samples in
  which each rule fires is its false-alarm rate.
* **Power**: the same samples with a planted shift of growing size (`bankchurn.shifts.SHIFTS`); the share
  of samples in which the shifted column is flagged, and the smallest size flagged in at least
  `POWER_TARGET` of them.
* **Month by month**: each monthly snapshot against the training window (leaving that month
  out of the reference when it lies inside the window), flags compared with
  `bankchurn.synthetic.injected_drift`; ROC-AUC and precision at the campaign capacity
  estimated from the calibrated probabilities (`bankchurn.cbpe`) next to the realised
  values, and the retraining rule (`bankchurn.retraining.retraining_reasons`) evaluated on each month.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel

from bankchurn import cbpe, drift, evaluation, targets
from bankchurn.contract import FEATURES, SNAPSHOT, TARGET
from bankchurn.ingest import Extract
from bankchurn.report_schemas.base import STRICT
from bankchurn.retraining import RULE_WINDOW_MONTHS, retraining_reasons, retraining_rule
from bankchurn.shifts import SHIFTS
from bankchurn.synthetic import generate_extract, injected_drift
from bankchurn.validation import validate_frame

#: Same-distribution samples behind each false-alarm rate.
N_NULL_SAMPLES: int = 200
#: Of those, the samples behind each point of a power curve (planted shift).
N_POWER_SAMPLES: int = 100
#: Share of samples a shift must be flagged in to count as detected.
POWER_TARGET: float = 0.8
#: Calendar month the same-distribution samples are drawn in (no injected drift).
NULL_MONTH: str = "2025-06-30"


class RuleFalseAlarms(BaseModel):
    """How often a rule fires on same-distribution samples."""

    model_config = STRICT

    method: str
    threshold: float
    false_alarm_rate: float


class FalseAlarms(BaseModel):
    """False-alarm rates measured on same-distribution samples."""

    model_config = STRICT

    n_samples: int
    n_reference: int
    n_current: int
    month: str
    features: dict[str, RuleFalseAlarms]
    prediction: RuleFalseAlarms
    any_feature: float
    family_alpha: float


class PowerCurve(BaseModel):
    """Detection rate of one planted shift kind by size."""

    model_config = STRICT

    column: str
    description: str
    sizes: list[float]
    power: list[float]
    smallest_detected: float | None
    injected_sizes: list[float]


class MonthRecord(BaseModel):
    """One monthly snapshot checked against the training window."""

    model_config = STRICT

    month: str
    n: int
    in_training_window: bool
    in_test_window: bool
    injected: list[str]
    flagged: list[str]
    p_values: dict[str, float]
    label_injected: bool
    label_flagged: bool
    label_p_value: float
    churn_rate: float
    prediction_psi: float
    prediction_flagged: bool
    estimated: cbpe.Estimate
    realised_roc_auc: float | None
    realised_precision_at_capacity: float
    rule_window: list[str]
    rule_estimated_roc_auc: float
    rule_estimated_precision_at_capacity: float
    rule_realised_roc_auc: float | None
    rule_realised_precision_at_capacity: float
    retrain: bool
    retrain_reasons: list[str]


class Scores(BaseModel):
    """The month-by-month flags scored against the injected truth."""

    model_config = STRICT

    feature_months: int
    injected_feature_months: int
    detected_feature_months: int
    detection_rate: float | None
    false_alarm_feature_months: int
    false_alarm_rate: float
    months_with_injected_drift: int
    months_flagged_with_injected_drift: int
    months_without_injected_drift: int
    months_flagged_without_injected_drift: int
    label_months_injected: int
    label_months_detected: int
    label_false_alarms: int


class EstimationSummary(BaseModel):
    """CBPE estimates against realised values on the test months."""

    model_config = STRICT

    months: list[str]
    roc_auc_mean_abs_error: float
    precision_mean_abs_error: float
    roc_auc_within_range: int
    precision_within_range: int
    spread_level: float


class ReferenceWindow(BaseModel):
    """The rows each month is compared with: the training window."""

    model_config = STRICT

    kind: str
    n: int
    start: str
    end: str


class MonitoringReport(BaseModel):
    """Content of ``reports/monitoring.json``."""

    model_config = STRICT

    model_version: str
    monthly_rows: float
    reference: ReferenceWindow
    methods: dict[str, drift.MethodDeclaration]
    family_alpha: float
    injected: dict[str, dict[str, float]]
    false_alarms: FalseAlarms
    power_target: float
    power: dict[str, PowerCurve]
    months: list[MonthRecord]
    scores: Scores
    estimation: EstimationSummary
    retraining_rule: list[str]
    capacity: float


# --- measurements ----------------------------------------------------------------------
def _features(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.loc[:, list(FEATURES)].reset_index(drop=True)


def null_pool(n_rows: int, seed: int) -> pd.DataFrame:
    """Rows of one month without injected drift, validated like an ingested extract."""
    raw = generate_extract(n_rows=n_rows, n_snapshots=1, seed=seed, start=NULL_MONTH).frame
    return _features(validate_frame(raw, f"<synthetic seed={seed} month={NULL_MONTH}>"))


def false_alarms(
    reference: pd.DataFrame,
    ref_scores: np.ndarray,
    samples: list[pd.DataFrame],
    sample_scores: list[np.ndarray],
) -> FalseAlarms:
    """Share of same-distribution samples in which each rule fires."""
    flags = np.array(
        [[d.drifted for d in drift.feature_drift(reference, s).values()] for s in samples]
    )
    pred = np.array(
        [drift.prediction_drift(ref_scores, s, "").drifted for s in sample_scores], dtype=bool
    )
    return FalseAlarms(
        n_samples=len(samples),
        n_reference=len(reference),
        n_current=len(samples[0]),
        month=NULL_MONTH[:7],
        features={
            c: RuleFalseAlarms(
                method=drift.declared_test(c),
                threshold=drift.FEATURE_ALPHA,
                false_alarm_rate=float(flags[:, i].mean()),
            )
            for i, c in enumerate(FEATURES)
        },
        prediction=RuleFalseAlarms(
            method="psi", threshold=drift.PSI_THRESHOLD, false_alarm_rate=float(pred.mean())
        ),
        any_feature=float(flags.any(axis=1).mean()),
        family_alpha=drift.FAMILY_ALPHA,
    )


def power_curves(
    reference: pd.DataFrame, samples: list[pd.DataFrame], seed: int
) -> dict[str, PowerCurve]:
    """Detection rate of each planted shift (`bankchurn.shifts.SHIFTS`) by size."""
    truth = injected_drift()
    out: dict[str, PowerCurve] = {}
    for name, shift in SHIFTS.items():
        rng = np.random.default_rng([seed, len(out)])
        ref = reference[shift.column].to_numpy()
        power = []
        for size in shift.sizes:
            hits = [
                drift.column_drift(
                    ref, shift.apply(s, size, rng)[shift.column].to_numpy(), shift.column
                ).drifted
                for s in samples
            ]
            power.append(float(np.mean(hits)))
        detected = [s for s, p in zip(shift.sizes, power, strict=True) if s and p >= POWER_TARGET]
        injected = (
            sorted(round(1.0 - f, 6) for f in truth[shift.column].values())
            if shift.column in truth
            else []
        )
        out[name] = PowerCurve(
            column=shift.column,
            description=shift.description,
            sizes=list(shift.sizes),
            power=power,
            smallest_detected=detected[0] if detected else None,
            injected_sizes=injected,
        )
    return out


def monthly_run(
    frame: pd.DataFrame,
    scores: np.ndarray,
    train_rows: np.ndarray,
    test_rows: np.ndarray,
    model_version: str,
    capacity: float,
    seed: int,
) -> list[MonthRecord]:
    """Each monthly snapshot against the training window, scored against the injected truth."""
    truth = injected_drift()
    months = frame[SNAPSHOT].dt.to_period("M").to_numpy()
    in_train = np.zeros(len(frame), dtype=bool)
    in_train[train_rows] = True
    in_test = np.zeros(len(frame), dtype=bool)
    in_test[test_rows] = True
    y = frame[TARGET].to_numpy().astype(int)
    records = []
    ordered = sorted(set(months))
    for k, month in enumerate(ordered):
        cur = months == month
        window = ordered[max(0, k + 1 - RULE_WINDOW_MONTHS) : k + 1]
        pooled = np.isin(months, window)
        ref = in_train & ~cur
        features = drift.feature_drift(frame[ref], frame[cur])
        label = drift.column_drift(frame.loc[ref, TARGET], frame.loc[cur, TARGET], TARGET)
        pred = drift.prediction_drift(scores[ref], scores[cur], model_version)
        estimate = cbpe.estimate(scores[cur], capacity, seed=seed + k)
        realised_auc = evaluation.roc_auc(y[cur], scores[cur])
        realised_precision = evaluation.top_k(y[cur], scores[cur], capacity)["precision"]
        rule_estimate = cbpe.Estimate(
            n=int(pooled.sum()),
            roc_auc=cbpe.expected_roc_auc(scores[pooled]),
            roc_auc_range=[],
            precision_at_capacity=cbpe.expected_precision_at_capacity(scores[pooled], capacity),
            precision_at_capacity_range=[],
            capacity=capacity,
            expected_churn_rate=float(np.mean(scores[pooled])),
        )
        rule_auc = evaluation.roc_auc(y[pooled], scores[pooled])
        rule_precision = evaluation.top_k(y[pooled], scores[pooled], capacity)["precision"]
        reasons = retraining_reasons(rule_estimate, pred, rule_auc, rule_precision)
        records.append(
            MonthRecord(
                month=str(month),
                n=int(cur.sum()),
                in_training_window=bool(in_train[cur].all()),
                in_test_window=bool(in_test[cur].all()),
                injected=[c for c in FEATURES if month.month in truth.get(c, {})],
                flagged=[c for c, d in features.items() if d.drifted],
                p_values={c: d.p_value for c, d in features.items()},
                label_injected=month.month in truth[TARGET],
                label_flagged=label.drifted,
                label_p_value=label.p_value,
                churn_rate=float(y[cur].mean()),
                prediction_psi=pred.statistic,
                prediction_flagged=pred.drifted,
                estimated=estimate,
                realised_roc_auc=realised_auc,
                realised_precision_at_capacity=realised_precision,
                rule_window=[str(m) for m in window],
                rule_estimated_roc_auc=rule_estimate.roc_auc,
                rule_estimated_precision_at_capacity=rule_estimate.precision_at_capacity,
                rule_realised_roc_auc=rule_auc,
                rule_realised_precision_at_capacity=rule_precision,
                retrain=bool(reasons),
                retrain_reasons=reasons,
            )
        )
    return records


def score_months(records: list[MonthRecord]) -> Scores:
    """Detection and false-alarm rates of the monthly flags against the injected truth."""
    pairs = [(c in r.injected, c in r.flagged) for r in records for c in FEATURES]
    injected = sum(1 for t, _ in pairs if t)
    detected = sum(1 for t, f in pairs if t and f)
    false = sum(1 for t, f in pairs if f and not t)
    with_drift = [r for r in records if r.injected]
    without = [r for r in records if not r.injected]
    return Scores(
        feature_months=len(pairs),
        injected_feature_months=injected,
        detected_feature_months=detected,
        detection_rate=detected / injected if injected else None,
        false_alarm_feature_months=false,
        false_alarm_rate=false / (len(pairs) - injected),
        months_with_injected_drift=len(with_drift),
        months_flagged_with_injected_drift=sum(1 for r in with_drift if r.flagged),
        months_without_injected_drift=len(without),
        months_flagged_without_injected_drift=sum(1 for r in without if r.flagged),
        label_months_injected=sum(1 for r in records if r.label_injected),
        label_months_detected=sum(1 for r in records if r.label_injected and r.label_flagged),
        label_false_alarms=sum(1 for r in records if r.label_flagged and not r.label_injected),
    )


def estimation_summary(records: list[MonthRecord]) -> EstimationSummary:
    """CBPE against realised values over the test months."""
    test = [r for r in records if r.in_test_window]
    auc_err = [abs(r.estimated.roc_auc - (r.realised_roc_auc or np.nan)) for r in test]
    prec_err = [
        abs(r.estimated.precision_at_capacity - r.realised_precision_at_capacity) for r in test
    ]

    def within(value: float | None, band: list[float]) -> bool:
        return value is not None and band[0] <= value <= band[1]

    return EstimationSummary(
        months=[r.month for r in test],
        roc_auc_mean_abs_error=float(np.mean(auc_err)),
        precision_mean_abs_error=float(np.mean(prec_err)),
        roc_auc_within_range=sum(
            within(r.realised_roc_auc, r.estimated.roc_auc_range) for r in test
        ),
        precision_within_range=sum(
            within(r.realised_precision_at_capacity, r.estimated.precision_at_capacity_range)
            for r in test
        ),
        spread_level=cbpe.SPREAD_LEVEL,
    )


def monitoring_report(
    extract: Extract,
    model: Any,
    train_rows: np.ndarray,
    test_rows: np.ndarray,
    model_version: str,
    seed: int = 42,
) -> MonitoringReport:
    """Every measurement of the Monitoring page (see the module docstring).

    Args:
        extract: The synthetic extract the model was trained on (monthly snapshots).
        model: Fitted model whose ``predict_proba`` gives calibrated probabilities.
        train_rows: Positions of the training window's rows (the reference).
        test_rows: Positions of the test months' rows.
        model_version: Version of the model.
        seed: Seed of the same-distribution samples and the label draws.

    Returns:
        The `MonitoringReport`.
    """
    capacity = targets.OPERATING_POINT.capacity
    frame = extract.frame.reset_index(drop=True)
    monthly = len(frame) / frame[SNAPSHOT].nunique()
    n_ref, n_cur = len(train_rows), round(monthly)

    def predict(x: pd.DataFrame) -> np.ndarray:
        return np.asarray(model.predict_proba(_features(x))[:, 1], dtype="float64")

    pool = null_pool(n_ref + N_NULL_SAMPLES * n_cur, seed + 1)
    pool_scores = predict(pool)
    reference, ref_scores = pool.iloc[:n_ref], pool_scores[:n_ref]
    cuts = [n_ref + i * n_cur for i in range(N_NULL_SAMPLES)]
    samples = [pool.iloc[a : a + n_cur].reset_index(drop=True) for a in cuts]
    sample_scores = [pool_scores[a : a + n_cur] for a in cuts]
    records = monthly_run(
        frame, predict(frame), train_rows, test_rows, model_version, capacity, seed
    )
    dates = frame[SNAPSHOT].iloc[train_rows]
    truth = injected_drift()
    return MonitoringReport(
        model_version=model_version,
        monthly_rows=monthly,
        reference=ReferenceWindow(
            kind="training window (the month under test left out when inside it)",
            n=n_ref,
            start=dates.min().date().isoformat(),
            end=dates.max().date().isoformat(),
        ),
        methods=dict(drift.METHODS),
        family_alpha=drift.FAMILY_ALPHA,
        injected={c: {str(m): v for m, v in by.items()} for c, by in truth.items()},
        false_alarms=false_alarms(reference, ref_scores, samples, sample_scores),
        power_target=POWER_TARGET,
        power=power_curves(reference, samples[:N_POWER_SAMPLES], seed),
        months=records,
        scores=score_months(records),
        estimation=estimation_summary(records),
        retraining_rule=retraining_rule(),
        capacity=capacity,
    )
