"""Typed report files: the shape each JSON report is written in and read back through.

A report is built as one of these models and written from it; a reader validates the file
against the same model, so a file of another shape fails in one line instead of being guessed
at. The JSON Schema of each model is published on the site (Report formats page).

One model per file: ``data_profile.json`` (`DataProfile`), ``baseline/metrics.json`` and
``target/metrics.json`` (`TrainingMetrics`), a training record ``models/<model>.training.json``
(`TrainingRecord`), ``model_selection.json`` (`ModelSelection`), ``canvas_status.json``
(`CanvasStatus`); ``monitoring.json`` is `bankchurn.monitoring.MonitoringReport` and
``benchmarks.json`` `bankchurn.benchmarks.Benchmarks`; the file ``bankchurn evaluate --out`` writes is
`Evaluation`. Every block is typed down to its leaves (the value model, the fairness audit,
the curves, the calibration bins, the tuning trials, each benchmark section): a key that is
missing, unknown or of another type fails.
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from bankchurn.targets import Comparison

#: The verdict of one metric as written in the report.
Status = Literal["pass", "miss", "not measured here"]
#: Written status of a verdict (`bankchurn.targets.Target.met`: True, False or None).
STATUS: dict[bool | None, Status] = {True: "pass", False: "miss", None: "not measured here"}

# Whole numbers stay whole (``3``, not ``3.0``): the files are compared byte for byte.
Number = int | float


#: Configuration of every report model: no unknown key, no change after validation, and no
#: coercion (a string "12" is not taken for the number 12; only an int is taken for a float).
STRICT = ConfigDict(extra="forbid", frozen=True, strict=True)


class StrictModel(BaseModel):
    """Base of every report model: `STRICT`, and written as `to_json` gives it."""

    model_config = STRICT

    def to_json(self) -> dict[str, Any]:
        """The JSON object written to the file (optional keys that were not set are left out)."""
        return self.model_dump(mode="json", exclude_unset=True)


ReportModel = TypeVar("ReportModel", bound=StrictModel)


#: Names pydantic adds to an error's location for the member of a union that failed.
_UNION_MEMBERS = frozenset({"int", "float", "str", "bool", "none", "list", "dict"})


def one_line(exc: ValidationError) -> str:
    """The first failing field of a validation as one line: ``field.path: rule``.

    A value that fits no member of a union (``int | float``) fails once per member: the
    members' rules are joined with "or" under the field's own path.
    """
    errors = exc.errors()

    def where(err: Any) -> str:
        path = [str(p) for p in err["loc"] if str(p) not in _UNION_MEMBERS]
        return ".".join(path) or "(top level)"

    first = where(errors[0])
    rules = dict.fromkeys(e["msg"] for e in errors if where(e) == first)
    return f"{first}: {' or '.join(rules)}"


def conform(model: type[ReportModel], data: dict[str, Any]) -> dict[str, Any]:
    """``data`` as ``model`` writes it: validated, then dumped (what every writer writes).

    Raises:
        pydantic.ValidationError: ``data`` is not of the model's shape (a bug of the writer).
    """
    return model.model_validate(data).to_json()


class CanvasItem(StrictModel):
    """One ML Canvas success metric: its declared target and what was measured.

    Attributes:
        name: Short name of the metric (a table row).
        description: What is measured, in one line.
        target: The declared target value.
        comparison: How the measured value must compare with the target.
        unit: Unit of target and measured value.
        measured: The measured value; ``None`` when it is not measured by the pipeline.
        source: Metric path (``report.key``) of the measured value, or ``"none"``.
        status: The verdict of the declared comparison.
        best_reachable: The best value any model could reach at the operating point.
        out_of_reach: Whether even ``best_reachable`` misses the target.
        note: Why a value is missing or what it rests on.
    """

    name: str
    description: str
    target: Number
    comparison: Comparison
    unit: str
    measured: Number | None
    source: str
    status: Status
    best_reachable: Number | None
    out_of_reach: bool | None
    note: str | None = None


class CanvasOperatingPoint(StrictModel):
    """The operating point the canvas targets are judged at."""

    capacity: float
    label: str
    origin: str


class CanvasStatus(StrictModel):
    """``reports/canvas_status.json``: every canvas metric by tier, with the verdict."""

    model_evaluated: Literal["target"]
    baseline_roc_auc: float | None
    operating_point: CanvasOperatingPoint
    business: dict[str, CanvasItem]
    model: dict[str, CanvasItem]
    system: dict[str, CanvasItem]
    verdict: dict[str, int]
    scenarios: dict[str, Scenario]

    def items(self) -> list[tuple[str, CanvasItem]]:
        """``(id, item)`` of every metric, ``id`` being ``<tier>.<key>``, in tier order."""
        return [
            (f"{tier}.{key}", item)
            for tier in ("business", "model", "system")
            for key, item in getattr(self, tier).items()
        ]


class Provenance(BaseModel):
    """Where the data came from: source, file or seed, hash, dates (keys depend on the source)."""

    model_config = ConfigDict(extra="allow", frozen=True, strict=True)

    source: str
    synthetic: bool
    sha256: str
    n_rows: int


class GroupRate(StrictModel):
    """Churn of one group of customers."""

    n: int
    share: Number
    churn_rate: Number


class MonthlyRate(StrictModel):
    """Churn of one monthly snapshot."""

    snapshot: str
    n: int
    churn_rate: Number


class LabelFacts(StrictModel):
    """What ``Exited`` means in time for this extract (`bankchurn.profile.label_facts`)."""

    horizon_months: int
    meaning: str
    horizon_known: bool
    how_this_data_defines_it: str


class DataProfile(StrictModel):
    """``reports/data_profile.json``: size, dates, missing values and churn by group."""

    provenance: Provenance
    synthetic: bool
    n_rows: int
    n_snapshots: int | None
    snapshot_start: str | None
    snapshot_end: str | None
    churn_rate: Number
    null_fraction: Number
    null_fraction_by_column: dict[str, Number]
    rows_with_a_null: Number
    churn_by_group: dict[str, dict[str, GroupRate]]
    monthly: list[MonthlyRate]
    label: LabelFacts
    mean_true_proba: Number | None


class SplitPart(StrictModel):
    """Size, churn and (when dated) dates of the training or the test rows."""

    n: int
    churn_rate: Number | None = None
    n_churners: int | None = None
    start: str | None = None
    end: str | None = None
    n_snapshots: int | None = None


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

    lo: Number
    hi: Number
    n: int
    mean_predicted: Number
    observed_rate: Number


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

    fpr: list[Number]
    tpr: list[Number]


class PrCurve(StrictModel):
    """Precision-recall curve points."""

    recall: list[Number]
    precision: list[Number]


class Curves(StrictModel):
    """ROC and precision-recall curves of the test scores, for plotting."""

    roc: RocCurve
    pr: PrCurve


class GroupMetrics(StrictModel):
    """Scores of one group of a protected attribute at the operating point."""

    n: int
    churn_rate: Number
    roc_auc: Number | None
    precision: Number
    recall: Number
    positive_rate: Number


class FairnessGaps(StrictModel):
    """Largest minus smallest value of each score over the groups (null: no group has one)."""

    roc_auc: Number | None
    precision: Number | None
    recall: Number | None
    positive_rate: Number | None
    churn_rate: Number | None


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

    capacity: Number
    contacted: int
    contacted_share: Number
    churners_reached: int
    saved_customers_per_year: Number
    gross_usd_per_year: Number
    cost_usd_per_year: Number
    net_usd_per_year: Number
    meets_target: bool
    best_reachable_net_usd_per_year: Number


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

    label: str
    rule: str
    threshold: Number
    contacted_share: Number
    precision: Number
    recall: Number
    lift: Number
    net_usd_per_year: Number


class Importance(StrictModel):
    """Permutation importance of one input column."""

    feature: str
    mean: Number
    std: Number


class Coefficient(StrictModel):
    """One coefficient of the logistic-regression baseline."""

    feature: str
    coefficient: Number


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


class BaselineAblation(StrictModel):
    """The baseline with the ``extended`` features: what the linear model is missing."""

    feature_set: str
    adds: list[str]
    cv_mean_roc_auc: Number
    test_roc_auc: Number
    note: str


class CeilingEvidence(StrictModel):
    """Where the target's gap to the gender-blind ceiling comes from (synthetic data only).

    Every figure is a ROC-AUC, or a gap to the gender-blind ceiling, on the test rows
    (`bankchurn.model_metrics.ceiling_evidence`).
    """

    ceiling_without_gender_roc_auc: Number
    ceiling_without_gender_or_month_roc_auc: Number
    month_effect_gap: Number
    generator_form_roc_auc: Number
    generator_form_gap: Number
    generator_form_n_terms: int
    generator_form_training_rows: int
    candidate_gap: dict[str, Number | None]


class TrainingRecord(StrictModel):
    """``models/<model>.training.json``: what the summary needs from a run besides its metrics.

    Attributes:
        selection: The target's search record (empty for the baseline).
        candidate_test_roc_auc: Test ROC-AUC of every target candidate, for information.
        baseline_ablation: The baseline's ablation.
        ceiling_evidence: Where the target's gap to its ceiling comes from (synthetic data).
    """

    selection: Selection | NoSelection
    candidate_test_roc_auc: dict[str, Number] | None = None
    baseline_ablation: BaselineAblation | None = None
    ceiling_evidence: CeilingEvidence | None = None


class BaselineSummary(StrictModel):
    """The baseline beside the chosen target."""

    candidate: str
    cv_mean_roc_auc: Number
    test_roc_auc: Number
    feature_set: str


#: Hyperparameters of a model, by name.
HyperParams = dict[str, Number | str | bool | None]


class Trial(StrictModel):
    """One trial of a candidate's search: its hyperparameters and mean CV ROC-AUC."""

    number: int
    params: HyperParams
    cv_roc_auc: Number


class SearchBudget(StrictModel):
    """The search budget of the target (``params.yaml`` ``tuning``) and its sampler."""

    n_trials: int
    n_folds: int
    max_trees: int
    sampler: str


class Candidate(StrictModel):
    """One tuned target candidate: its search and its test score (for information only)."""

    best_params: HyperParams
    cv_fold_roc_auc: list[Number]
    cv_roc_auc_mean: Number
    cv_roc_auc_std: Number
    n_trials: int
    trials: list[Trial]
    test_roc_auc_for_information: Number | None = None


class Selection(StrictModel):
    """The target's search record (`bankchurn.models.train_target`)."""

    chosen: str
    criterion: str
    candidates: dict[str, Candidate]
    budget: SearchBudget


class NoSelection(StrictModel):
    """The baseline's search record: empty (it is not tuned)."""


class ModelSelection(StrictModel):
    """``reports/model_selection.json``: how the target was chosen, beside the baseline."""

    budget: SearchBudget
    candidates: dict[str, Candidate]
    chosen: str
    criterion: str
    chosen_test_roc_auc: Number | None
    bayes_optimal_roc_auc: Number | None
    bayes_optimal_roc_auc_without_gender: Number | None
    baseline: BaselineSummary | None = None
    baseline_ablation: BaselineAblation | None = None
    ceiling_evidence: CeilingEvidence | None = None
    split: SplitInfo
