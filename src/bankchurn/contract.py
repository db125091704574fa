"""The data contract of the CRM extract, declared once.

Every other place that needs to know a column (validation, features, the API schemas, the
Data contract page of the site, the notebooks) reads `COLUMNS`. Changing a range here
changes all of them.

The columns are those of the public Kaggle "Churn Modelling" file plus an optional monthly
``SnapshotDate``. Validation is done by pandera (see the ADR on the data contract).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

#: The one currency of the project: the extract's amounts (``Balance``, ``EstimatedSalary``) and
#: every value figure (the canvas states its money in US dollars). The Kaggle file names none.
CURRENCY: str = "USD"
#: What ``Exited = 1`` means in time: the customer closed all their accounts within this many
#: months after the row's ``SnapshotDate``. A monthly batch scored the day after month end
#: therefore warns between 0 and about 30 days ahead, the canvas's "time to act".
LABEL_HORIZON_MONTHS: int = 1
#: The horizon in words (``1 month``).
LABEL_HORIZON: str = f"{LABEL_HORIZON_MONTHS} month{'s' if LABEL_HORIZON_MONTHS != 1 else ''}"
#: What a label means, in one sentence (the Data contract page and the canvas print it).
LABEL_MEANING: str = (
    f"Exited = 1: the customer closed all their accounts within {LABEL_HORIZON} after the "
    "row's SnapshotDate; Exited = 0: they still held an account at the end of that window."
)

Role = Literal["row_id", "customer_id", "pii", "protected", "feature", "target", "snapshot"]
Kind = Literal["int", "float", "category", "binary", "date", "text"]

#: Each role in words: what the Data contract page and the notebooks show instead of the code.
ROLE_TITLES: dict[Role, str] = {
    "row_id": "row number (ignored)",
    "customer_id": "customer id (pseudonymised)",
    "pii": "personal data (dropped)",
    "protected": "protected attribute (audit only)",
    "feature": "model input",
    "target": "label",
    "snapshot": "snapshot date",
}


@dataclass(frozen=True)
class ColumnSpec:
    """One column of the CRM extract.

    Attributes:
        name: Column name as it appears in the CSV header.
        kind: Logical type (``int``, ``float``, ``category``, ``binary``, ``date``, ``text``).
        role: What the column is for; only ``feature`` columns reach a model. A ``protected``
            column is validated and kept for fairness measurement but never used as a model
            input (ADR 0006).
        description: One line for the Data contract page.
        minimum: Smallest allowed value (inclusive), for numeric kinds.
        maximum: Largest allowed value (inclusive), for numeric kinds.
        allowed: Allowed values, for ``category`` and ``binary`` kinds.
        nullable: Whether a missing value is repaired (imputed in the model pipeline)
            instead of rejected.
        unique: Whether values must be unique across the file.
        required: Whether the column must be present in the file.
    """

    name: str
    kind: Kind
    role: Role
    description: str
    minimum: float | None = None
    maximum: float | None = None
    allowed: tuple[str | int, ...] = field(default_factory=tuple)
    nullable: bool = False
    unique: bool = False
    required: bool = True

    @property
    def exact_int(self) -> bool:
        """An integer without a declared maximum (an id): read as text, never via a float.

        So no id above 2**53 is ever rounded onto another one.
        """
        return self.kind == "int" and self.maximum is None

    @property
    def read_as_text(self) -> bool:
        """Whether a CSV reader keeps the cells as text for the validator to parse."""
        return self.kind in ("text", "category", "date") or self.exact_int

    @property
    def role_title(self) -> str:
        """The role in words (`ROLE_TITLES`), e.g. ``model input`` for ``feature``."""
        return ROLE_TITLES[self.role]


COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("RowNumber", "int", "row_id", "Row number of the export; ignored.", minimum=1),
    ColumnSpec(
        "CustomerId",
        "int",
        "customer_id",
        "CRM customer id; pseudonymised (keyed hash) at ingestion, never a feature.",
        minimum=1,
        unique=True,
    ),
    ColumnSpec("Surname", "text", "pii", "Customer surname; dropped at ingestion (GDPR)."),
    ColumnSpec("CreditScore", "int", "feature", "Credit bureau score.", 300, 850, nullable=True),
    ColumnSpec(
        "Geography",
        "category",
        "feature",
        "Country of the account (protected attribute: monitored for fairness).",
        allowed=("France", "Germany", "Spain"),
    ),
    ColumnSpec(
        "Gender",
        "category",
        "protected",
        "Gender as recorded by the CRM: never a model input, kept only to measure fairness "
        "(ADR 0006).",
        allowed=("Female", "Male"),
    ),
    ColumnSpec("Age", "int", "feature", "Age in years.", 18, 100),
    ColumnSpec("Tenure", "int", "feature", "Years as a customer.", 0, 10, nullable=True),
    ColumnSpec(
        "Balance",
        "float",
        "feature",
        f"Account balance ({CURRENCY}).",
        0,
        1_000_000,
        nullable=True,
    ),
    ColumnSpec("NumOfProducts", "int", "feature", "Number of bank products held.", 1, 4),
    ColumnSpec(
        "HasCrCard",
        "binary",
        "feature",
        "Holds a credit card (1) or not (0).",
        allowed=(0, 1),
        nullable=True,
    ),
    ColumnSpec(
        "IsActiveMember",
        "binary",
        "feature",
        "Active in the last period (1) or not (0).",
        allowed=(0, 1),
        nullable=True,
    ),
    ColumnSpec(
        "EstimatedSalary",
        "float",
        "feature",
        f"Estimated yearly salary ({CURRENCY}).",
        0,
        1_000_000,
        nullable=True,
    ),
    ColumnSpec(
        "Exited",
        "binary",
        "target",
        f"Label: closed all accounts within {LABEL_HORIZON} after SnapshotDate (1) or not (0).",
        allowed=(0, 1),
    ),
    ColumnSpec(
        "SnapshotDate",
        "date",
        "snapshot",
        "Month-end date of the CRM snapshot (YYYY-MM-DD); optional, absent from the Kaggle file.",
        required=False,
    ),
)

#: Largest share of missing values a nullable column may have; above it the file is rejected.
MAX_NULL_FRACTION: float = 0.01
#: The one accepted way to write a date (``strptime`` format): ``2024-01-31``. No time of day,
#: no other order (``31/01/2024`` is ambiguous with ``01/31/2024``, so it is rejected).
DATE_FORMAT: str = "%Y-%m-%d"
#: The same, as shown to users.
DATE_FORMAT_SHOWN: str = "YYYY-MM-DD"
#: First and last day a date may hold (what a nanosecond timestamp can represent).
FIRST_DAY, LAST_DAY = "1677-09-22", "2262-04-11"
#: Longest cell of a file, in characters (no contract value comes close; a longer one is an
#: error or an attack on memory and logs).
MAX_FIELD_CHARS: int = 256
#: The rule a too-long cell or column name breaks, as the one-line errors name it.
FIELD_RULE = f"max_length({MAX_FIELD_CHARS})"
#: Largest integer id (``CustomerId``, ``RowNumber``): ids are 64-bit integers, never floats.
MAX_ID: int = 2**63 - 1

BY_NAME: dict[str, ColumnSpec] = {c.name: c for c in COLUMNS}
TARGET: str = "Exited"
SNAPSHOT: str = "SnapshotDate"
CUSTOMER_ID: str = "CustomerId"
#: Pseudonymised customer key that replaces ``CustomerId`` after ingestion.
CUSTOMER_KEY: str = "CustomerKey"
FEATURES: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.role == "feature")
NUMERIC_FEATURES: tuple[str, ...] = tuple(
    c.name for c in COLUMNS if c.role == "feature" and c.kind in ("int", "float")
)
BINARY_FEATURES: tuple[str, ...] = tuple(
    c.name for c in COLUMNS if c.role == "feature" and c.kind == "binary"
)
CATEGORICAL_FEATURES: tuple[str, ...] = tuple(
    c.name for c in COLUMNS if c.role == "feature" and c.kind == "category"
)
#: Attributes whose groups the fairness report compares. Geography is a model input (country
#: markets); Gender is not (role ``protected``). See ADR 0006.
PROTECTED_ATTRIBUTES: tuple[str, ...] = ("Geography", "Gender")
REQUIRED_COLUMNS: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.required)

#: One valid, invented customer (feature columns only): the API's documented example and the
#: input example stored with every tracked model. Never a real customer.
EXAMPLE_CUSTOMER: dict[str, int | float | str] = {
    "CreditScore": 650,
    "Geography": "Germany",
    "Age": 47,
    "Tenure": 3,
    "Balance": 118_000.0,
    "NumOfProducts": 1,
    "HasCrCard": 1,
    "IsActiveMember": 0,
    "EstimatedSalary": 95_000.0,
}

#: Every rule a file (or table) is rejected by, named as in the one-line error, for the Data
#: contract page. The reader's hostile-input tests read every rule a ``ContractError`` of the
#: package is built with and check that it is listed here.
REJECTION_RULES: str = f"""\
| Rule (as named in the error) | A file is rejected when |
|---|---|
| `file_exists` | the path is missing, unreadable, or not a regular file (a folder, a pipe, a device) |
| `table_exists` | (a database source) the snapshot table does not exist |
| `non_empty` | the file (or table) is empty, or holds a header and no data row |
| `encoding(utf-8)` | a byte is not UTF-8 (a UTF-8 byte-order mark is accepted) |
| `delimiter(',')` | the header is separated by a semicolon, a tab or a vertical bar instead of a comma |
| `unique_header` / `required_column` / `no_unknown_columns` | a column appears twice, a \
required column is missing, or a column is not in the contract (names are trimmed of spaces) |
| `field_count(n)` | a row has more or fewer fields than the header (a short row too, even when its \
last column may be missing; a quoted field spanning lines counts as a short row) |
| `one_line` | (a database source) a value holds a line break: its row could not be one \
line of the CRM extract a file would hold |
| `no_blank_lines` | an empty line is followed by data (empty lines at the very end are ignored) |
| `max_length({MAX_FIELD_CHARS})` | a cell (or a column name) holds more than {MAX_FIELD_CHARS} \
characters |
| `type(int)` / `type(float)` | a value is not a number, or an integer column holds a fraction; \
ids (`CustomerId`, `RowNumber`) are read as 64-bit integers from their digits, never through a \
float, up to {MAX_ID:,} |
| `type(date)` | a date is not written {DATE_FORMAT_SHOWN} (no time of day, no `20240131`, no \
`31/01/2024`), or lies outside what a timestamp can hold ({FIRST_DAY}..{LAST_DAY}) |
| `not_null` | a value is missing in a column that is not repaired (e.g. the label `Exited`) |
| `null_fraction<={MAX_NULL_FRACTION:g}` | a repaired column misses more than \
{MAX_NULL_FRACTION:.0%} of its values, counted over the whole file (never per chunk) |
| `in_range(lo, hi)` / `isin([...])` | a value lies outside its declared range or categories |
| `unique` | a `CustomerId` repeats, anywhere in the file |

Every reading command (`data validate`, `train --data`, `evaluate --data`, `predict --input`,
`report --data`) applies exactly these rules through one reader and one validator, so they accept
and reject the same files. A rejection is one line on stderr naming the file, the line(s), the
column and the rule, with echoed values escaped and cut to a few dozen characters; the exit code
is 2 and nothing is written.

**Outputs** (`--out`, `--output`) must be absent or a regular file: a symbolic link, device, pipe
or folder is refused before any work and left as it is, and so is `-` (standard output cannot be
written whole or not at all). A file is written whole or not at all: a
full disk, Ctrl+C (exit 130) or SIGTERM (exit 143) leaves the previous file intact and no
temporary file."""
