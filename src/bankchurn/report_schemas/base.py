"""What every report model shares: the strict configuration, the writer's dump, one-line errors."""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

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

    @classmethod
    def titles(cls) -> dict[str, str]:
        """Titles of the model's fields: what a reader sees in place of each key.

        A key is declared once, with its title (``n: int = Field(title="customers")``); pages
        and notebooks show the title, never the key (the site tests fail on a raw key as a
        header).

        Returns:
            Field name -> title, for the fields that declare one.
        """
        return {name: str(f.title) for name, f in cls.model_fields.items() if f.title}

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
