"""A model's scores on labelled rows: ``reports/<model>/metrics.json`` and ``bankchurn evaluate --out``.

Every block is typed down to its leaves (the split, the calibration bins, the curves, the
fairness audit, the value model, the scenarios).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from bankchurn.contract import CURRENCY
from bankchurn.report_schemas.base import Number, StrictModel


class SplitPart(StrictModel):
    """Size, churn and (when dated) dates of the training or the test rows."""

    n: int = Field(title="customers")
    churn_rate: Number | None = Field(None, title="churn rate")
    n_churners: int | None = Field(None, title="churners")
    start: str | None = Field(None, title="first snapshot")
    end: str | None = Field(None, title="last snapshot")
    n_snapshots: int | None = Field(None, title="monthly snapshots")


class SplitInfo(StrictModel):
    """The train/test split (`bankchurn.split`): temporal, or stratified when undated."""

    kind: Literal["temporal", "stratified"]
    note: str
    train: SplitPart
    test: SplitPart
    test_months: int | None = None
    test_size: Number | None = None
    seed: int | None = None


class CrossValidation(StrictModel):
    """ROC-AUC of the time-ordered folds of the training rows."""

    fold_roc_auc: list[Number]
    mean_roc_auc: Number


class FeatureColumns(StrictModel):
    """The model's input columns and the features it derives from them."""

    input_columns: list[str]
    feature_set: str
    model_features: list[str]


class CalibrationBin(StrictModel):
    """One equal-width probability bin of a reliability curve (empty bins are left out)."""

    lo: Number = Field(title="probability from")
    hi: Number = Field(title="probability to")
    n: int = Field(title="customers")
    mean_predicted: Number = Field(title="mean predicted probability")
    observed_rate: Number = Field(title="observed churn rate")


class Reliability(StrictModel):
    """Brier score and reliability curve of one set of scores (`bankchurn.evaluation`)."""

    brier: Number
    mean_predicted: Number
    observed_rate: Number
    bins: list[CalibrationBin]


class Calibration(StrictModel):
    """Reliability before and after calibration (bins, Brier score, rates)."""

    method: str
    fitted_on: str
    before: Reliability
    after: Reliability


class RocCurve(StrictModel):
    """ROC curve points (false and true positive rates)."""

    fpr: list[Number] = Field(title="false positive rate")
    tpr: list[Number] = Field(title="true positive rate")


class PrCurve(StrictModel):
    """Precision-recall curve points."""

    recall: list[Number] = Field(title="recall")
    precision: list[Number] = Field(title="precision")


class Curves(StrictModel):
    """ROC and precision-recall curves of the test scores, for plotting."""

    roc: RocCurve
    pr: PrCurve


class GroupMetrics(StrictModel):
    """Scores of one group of a protected attribute at the operating point."""

    n: int = Field(title="customers")
    churn_rate: Number = Field(title="churn rate")
    roc_auc: Number | None = Field(title="ROC-AUC")
    precision: Number = Field(title="precision")
    recall: Number = Field(title="recall")
    positive_rate: Number = Field(title="share contacted")


class FairnessGaps(StrictModel):
    """Largest minus smallest value of each score over the groups (null: no group has one)."""

    roc_auc: Number | None = Field(title="ROC-AUC")
    precision: Number | None = Field(title="precision")
    recall: Number | None = Field(title="recall")
    positive_rate: Number | None = Field(title="share contacted")
    churn_rate: Number | None = Field(title="churn rate")


class AttributeFairness(StrictModel):
    """The fairness audit of one protected attribute (`bankchurn.evaluation.fairness`)."""

    groups: dict[str, GroupMetrics]
    gaps: FairnessGaps


class NamedValue(StrictModel):
    """One business parameter (or a figure derived from them) and where it comes from."""

    value: Number
    description: str


class ValueAtCapacity(StrictModel):
    """The campaign at the operating point: whom it reaches and what it is worth per year."""

    capacity: Number = Field(title="capacity (share of customers)")
    contacted: int = Field(title="customers contacted")
    contacted_share: Number = Field(title="share contacted")
    churners_reached: int = Field(title="churners reached")
    saved_customers_per_year: Number = Field(title="customers saved per year")
    gross_usd_per_year: Number = Field(title=f"gross value per year ({CURRENCY})")
    cost_usd_per_year: Number = Field(title=f"campaign cost per year ({CURRENCY})")
    net_usd_per_year: Number = Field(title=f"net value per year ({CURRENCY})")
    meets_target: bool = Field(title="meets the value target")
    best_reachable_net_usd_per_year: Number = Field(
        title=f"best reachable net value per year ({CURRENCY})"
    )


class RateAtCapacity(StrictModel):
    """The lowest retention success rate that meets the target, and at which capacity."""

    success_rate: Number | None
    capacity: Number


class BestCapacity(StrictModel):
    """The capacity that maximises value at the assumed success rate."""

    capacity: Number
    net_usd_per_year: Number
    meets_target: bool


class ValueGoal(StrictModel):
    """What would reach the canvas value target (`bankchurn.business.goal`).

    A success rate is null when no churner is reached (no rate would do).
    """

    target_usd_per_year: Number
    assumed_success_rate: Number
    success_rate_needed_at_operating_point: Number | None
    success_rate_needed_with_perfect_ranking: Number | None
    lowest_success_rate_needed: RateAtCapacity
    best_at_assumed_success_rate: BestCapacity


class Sensitivity(StrictModel):
    """Net yearly value over success rates (rows) x capacities (columns)."""

    success_rates: list[Number]
    capacities: list[Number]
    net_usd_per_year: list[list[Number]]
    success_rate_needed: list[Number | None]


class ValuePoint(StrictModel):
    """One point of the value curve over thresholds."""

    threshold: Number
    contacted_share: Number
    net_usd_per_year: Number


class BusinessValue(StrictModel):
    """The ``business`` block of a metrics file: the campaign value model on the test rows."""

    parameters: dict[str, NamedValue]
    annualisation: Number
    target_usd_per_year: Number
    at_capacity: ValueAtCapacity
    goal: ValueGoal
    sensitivity: Sensitivity
    value_maximising_threshold_on_test: Number
    max_net_usd_per_year_on_test: Number
    value_curve: list[ValuePoint]


class OperatingPoint(StrictModel):
    """Whom the retention team contacts, and what that finds (`bankchurn.targets`)."""

    capacity: Number
    k: int
    label: str
    confusion_matrix: dict[str, int]
    best_reachable: dict[str, Number]


class Scenario(StrictModel):
    """Another way to pick whom to contact, never counted in the verdict."""

    label: str = Field(title="scenario")
    rule: str = Field(title="rule")
    threshold: Number = Field(title="probability threshold")
    contacted_share: Number = Field(title="share contacted")
    precision: Number = Field(title="precision")
    recall: Number = Field(title="recall")
    lift: Number = Field(title="lift")
    net_usd_per_year: Number = Field(title=f"net value per year ({CURRENCY})")


class Importance(StrictModel):
    """Permutation importance of one input column."""

    feature: str = Field(title="feature (input column)")
    mean: Number = Field(title="mean drop in ROC-AUC when shuffled")
    std: Number = Field(title="standard deviation of the drop")


class Coefficient(StrictModel):
    """One coefficient of the logistic-regression baseline."""

    feature: str = Field(title="model feature")
    coefficient: Number = Field(title="coefficient (log-odds per standard deviation)")


class TrainingProvenance(StrictModel):
    """What a training run was trained on, with which code and seed."""

    data_source: str | None
    synthetic: bool | None
    seed: int | None
    file: str | None
    data_sha256: str | None
    data_start: str | None
    data_end: str | None
    n_rows: int | None
    artifact: str
    package_version: str
    model_seed: int


class ScoreMetrics(StrictModel):
    """Every score of a calibrated model on labelled rows (`bankchurn.model_metrics.model_metrics`).

    The common part of a training run's metrics and of an evaluation.
    """

    evaluated_rows: str
    n: int
    churn_rate: Number
    roc_auc: Number | None
    roc_auc_ci: list[Number | None]
    roc_auc_ci_level: Number
    pr_auc: Number | None
    precision_at_10: Number
    recall_at_10: Number
    lift_at_10: Number
    brier: Number
    brier_uncalibrated: Number
    bayes_optimal_roc_auc: Number | None
    bayes_optimal_roc_auc_without_gender: Number | None
    gap_to_bayes_optimal: Number | None = None
    gap_to_bayes_optimal_without_gender: Number | None = None
    gap_to_bayes_optimal_without_gender_ci: list[Number] | None = None
    roc_auc_cost_of_excluding_gender: Number | None = None
    operating_point: OperatingPoint
    calibration: Calibration
    curves: Curves
    business: BusinessValue
    scenarios: dict[str, Scenario]
    fairness: dict[str, AttributeFairness]
    importance: list[Importance]
    importance_method: str


class TrainingMetrics(ScoreMetrics):
    """``reports/<model>/metrics.json``: a model measured on the test rows of its split."""

    model: Literal["baseline", "target"]
    model_version: str
    candidate: str
    params: dict[str, Number | str | bool | None]
    split: SplitInfo
    provenance: TrainingProvenance
    cv: CrossValidation
    features: FeatureColumns
    coefficients: list[Coefficient] | None = None


class EvaluatedSplit(SplitInfo):
    """The model's own split, of which the test rows were scored."""

    evaluated_rows: str


class AllRows(StrictModel):
    """Every row of an extract the model was not trained on was scored."""

    kind: Literal["all_rows"]
    n: int
    test_months: int | None
    evaluated_rows: str


class EvaluationProvenance(StrictModel):
    """What was evaluated: the extract, and the data the model was trained on."""

    data_source: str | None
    data_sha256: str | None
    file: str | None
    package_version: str
    model_trained_on_sha256: str | None


class Evaluation(ScoreMetrics):
    """The file ``bankchurn evaluate --out`` writes: a saved model measured on an extract."""

    model: str | None
    model_version: str | None
    candidate: str | None
    split: EvaluatedSplit | AllRows
    provenance: EvaluationProvenance
