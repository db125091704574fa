"""How the target was chosen: ``reports/model_selection.json`` and the training records.

A training record ``models/<model>.training.json`` (`TrainingRecord`) is what the summary needs
from a run besides its metrics; the summary writes `ModelSelection` from them.
"""

from __future__ import annotations

from pydantic import Field

from bankchurn.report_schemas.base import Number, StrictModel
from bankchurn.report_schemas.metrics import SplitInfo


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

    number: int = Field(title="trial")
    params: HyperParams
    cv_roc_auc: Number = Field(title="mean CV ROC-AUC")


class SearchBudget(StrictModel):
    """The search budget of the target (``params.yaml`` ``tuning``) and its sampler."""

    n_trials: int
    n_folds: int
    max_trees: int
    sampler: str


class Candidate(StrictModel):
    """One tuned target candidate: its search and its test score (for information only)."""

    best_params: HyperParams = Field(title="best hyperparameters")
    cv_fold_roc_auc: list[Number] = Field(title="CV ROC-AUC per fold")
    cv_roc_auc_mean: Number = Field(title="mean CV ROC-AUC")
    cv_roc_auc_std: Number = Field(title="standard deviation of the CV ROC-AUC")
    n_trials: int = Field(title="trials")
    trials: list[Trial]
    test_roc_auc_for_information: Number | None = Field(
        None, title="test ROC-AUC (for information, not used to choose)"
    )


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
