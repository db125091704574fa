"""Request and response models of the inference API, derived from the data contract.

The request model `CustomerFeatures` is built at import time from
`bankchurn.contract.COLUMNS` (the ``feature`` columns only): ranges become ``ge``/``le``
constraints, allowed values become ``Literal`` types, nullable columns accept ``null`` (or may be
left out) and are imputed by the model pipeline. There is no second copy of a range or a
category here: change the contract and the API, its OpenAPI schema and its 422 messages follow.

Validation is strict: JSON types must match (``"42"`` and ``42.5`` are not integers, ``true``
is not a 0/1 flag; ``42.0`` is, as in JSON Schema), unknown fields are rejected and
non-finite numbers are refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model

from bankchurn.business import RISK_BANDS, risk_bands
from bankchurn.contract import COLUMNS, EXAMPLE_CUSTOMER, FEATURES, ColumnSpec

#: Names of the risk bands of `bankchurn.business.RISK_BANDS` (edges live there, shared
#: with batch scoring), computed on the CALIBRATED churn probability.
if TYPE_CHECKING:  # the names are data (RISK_BANDS); a type checker sees plain text
    RiskBand = str
else:
    RiskBand = Literal[tuple(name for name, _ in RISK_BANDS)]
_BAND_EDGES = "; ".join(
    f"{name}: p >= {lower:.2f}" if i else f"{name}: p < {RISK_BANDS[1][1]:.2f}"
    for i, (name, lower) in enumerate(RISK_BANDS)
)

_STRICT = ConfigDict(extra="forbid", strict=True)


def _reject_bool(value: Any) -> Any:
    """Refuse JSON ``true``/``false`` where the contract wants a 0/1 integer flag.

    ``Literal[0, 1]`` alone would accept ``True`` because ``True == 1`` in Python.
    """
    if isinstance(value, bool):
        # pydantic turns ValueError (not TypeError) into a 422 field error
        raise ValueError("Input should be 0 or 1, not a boolean")  # noqa: TRY004
    return value


def _query_boolean(value: Any) -> Any:
    """Read a query parameter's text as the JSON boolean it must spell: ``true`` or ``false``.

    pydantic's lax booleans would also take ``yes``, ``1``, ``on``, ``T`` and more, none of which
    the OpenAPI ``boolean`` promises; a client that spells one gets a 422 instead of a guess.
    """
    if isinstance(value, str):
        if value not in ("true", "false"):
            raise ValueError("Input should be true or false")
        return value == "true"
    return value


#: A boolean query parameter (``?explain=true``): exactly ``true`` or ``false``.
QueryBoolean = Annotated[bool, BeforeValidator(_query_boolean)]


def _integral(value: Any) -> Any:
    """Accept ``1.0`` where an integer is expected, as JSON Schema's ``integer`` does.

    Strict mode would refuse it, yet ``1.0`` IS an integer for JSON Schema, so a client that
    follows the published OpenAPI schema must not get a 422 for it. ``1.5``, ``"1"`` and
    ``true`` stay errors.
    """
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _field_for(spec: ColumnSpec) -> tuple[Any, Any]:
    """Translate one contract column into a pydantic ``(type, FieldInfo)`` pair.

    Value rules (range, allowed values) sit on the inner type, so that for a nullable column
    they apply to the non-null branch and appear as ``minimum``/``maximum``/``enum`` in the
    OpenAPI schema; the outer field carries title, description and the ``None`` default.
    """
    annotation: Any
    if spec.kind in ("category", "binary"):
        if not spec.allowed:
            raise ValueError(f"contract column {spec.name} of kind {spec.kind} lists no values")
        annotation = Literal[spec.allowed]
        if spec.kind == "binary":
            annotation = Annotated[
                annotation, BeforeValidator(_integral), BeforeValidator(_reject_bool)
            ]
    elif spec.kind in ("int", "float"):
        rules: dict[str, Any] = {"ge": spec.minimum, "le": spec.maximum}
        if spec.kind == "int":
            annotation = Annotated[int, Field(**rules), BeforeValidator(_integral)]
        else:
            annotation = Annotated[float, Field(allow_inf_nan=False, **rules)]
    else:  # a text or date column would need its own rule before it can become a feature
        raise ValueError(f"contract column {spec.name} of kind {spec.kind} cannot be an API field")
    if spec.nullable:
        return annotation | None, Field(None, title=spec.name, description=spec.description)
    return annotation, Field(..., title=spec.name, description=spec.description)


def _example() -> dict[str, Any]:
    """A valid customer for the OpenAPI docs (the contract's example), checked at import."""
    return dict(EXAMPLE_CUSTOMER)


_FEATURE_SPECS = [c for c in COLUMNS if c.role == "feature"]
assert tuple(c.name for c in _FEATURE_SPECS) == FEATURES

#: One customer: the contract's feature columns, validated strictly.
CustomerFeatures: type[BaseModel] = create_model(  # type: ignore[call-overload]
    "CustomerFeatures",
    __config__=ConfigDict(
        **_STRICT, json_schema_extra={"examples": [_example()]}, title="CustomerFeatures"
    ),
    __doc__=(
        "Feature columns of one customer, as declared by the data contract. Nullable columns "
        "may be null or left out; the model pipeline imputes them."
    ),
    __module__=__name__,
    **{spec.name: _field_for(spec) for spec in _FEATURE_SPECS},
)
CustomerFeatures.model_validate(_example())  # fails at import if the contract moved under it


class BatchRequest(BaseModel):
    """Several customers scored in one call (at most the configured batch limit)."""

    model_config = ConfigDict(
        **_STRICT, json_schema_extra={"examples": [{"customers": [_example()]}]}
    )

    customers: list[CustomerFeatures] = Field(
        ..., min_length=1, description="Customers to score, in order."
    )


class Contribution(BaseModel):
    """One feature's share of a customer's score."""

    feature: str = Field(
        ...,
        description="Model feature: an input column (one-hot columns merged back into it) or a "
        "derived ratio.",
    )
    value: float | int | str | None = Field(
        ..., description="The customer's value of it (null when missing and imputed)."
    )
    contribution: float = Field(
        ...,
        description="Exact TreeSHAP contribution, in the calibrated log-odds: positive raises "
        "the churn risk.",
    )


class Explanation(BaseModel):
    """Why the model gave this score: exact TreeSHAP, in the calibrated log-odds.

    ``base_value + sum(contribution)`` equals ``logit(churn_probability)``, the log-odds of the
    CALIBRATED probability: the booster's raw margin mapped through the sigmoid calibrator,
    which is affine in that margin.
    """

    base_value: float = Field(
        ...,
        description="Calibrated log-odds of the model's expected output (the TreeSHAP base "
        "value); the contributions add up from here to logit(churn_probability).",
    )
    contributions: list[Contribution] = Field(
        ..., description="One per feature, sorted by decreasing magnitude."
    )


class Prediction(BaseModel):
    """Score of one customer."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    churn_probability: float = Field(
        ..., ge=0.0, le=1.0, description="Calibrated probability that the customer churns."
    )
    risk_band: RiskBand = Field(
        ..., description=f"Band of the calibrated probability ({_BAND_EDGES})."
    )
    model_version: str = Field(..., description="Version of the model artifact that scored.")


class ExplainedPrediction(Prediction):
    """Score of one customer, with its explanation when ``explain=true`` asked for one."""

    explanation: Explanation | None = Field(
        None,
        description="Only with `explain=true` (the key is absent otherwise): why the model gave "
        "this score.",
    )


class BatchResponse(BaseModel):
    """Scores of a batch, in the order of the request."""

    model_config = ConfigDict(extra="forbid")

    predictions: list[Prediction]


class Health(BaseModel):
    """Liveness: the process answers."""

    status: Literal["ok"]


class RegisteredModel(BaseModel):
    """The registry version being served (when started with ``--model models:/...``)."""

    name: str = Field(description="Registered model name.")
    version: str = Field(description="Registry version number.")
    alias: str | None = Field(description="Alias it was started through (e.g. champion).")
    run_id: str | None = Field(description="MLflow run that trained it.")


class Readiness(BaseModel):
    """Readiness: the model is loaded and the app accepts scoring requests."""

    model_config = ConfigDict(protected_namespaces=())

    status: Literal["ready"]
    model_version: str
    model_source: str = Field(description="Artifact path or registry URI it was loaded from.")
    registered_model: RegisteredModel | None = Field(
        None, description="Registry name, version and alias; null for a file artifact."
    )


class ErrorResponse(BaseModel):
    """Error body for 4xx/5xx answers other than validation errors; never a stack trace."""

    detail: str
    request_id: str | None = None


def risk_band(probability: float) -> str:
    """Band of one calibrated churn probability (see `bankchurn.business.RISK_BANDS`)."""
    return str(risk_bands(np.array([probability]))[0])
