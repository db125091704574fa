"""User errors: one printable line that names the file, the rows, the column and the rule."""

from __future__ import annotations

import pytest

from bankchurn.errors import ContractError, OutputError, UserError, printable


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain", "plain"),
        ("two\nlines", "two\\nlines"),
        ("\x1b[31mred", "\\x1b[31mred"),
        ("lone \udc80 surrogate", "lone \\udc80 surrogate"),
        ("x" * 65, "x" * 60 + "...(+5 chars)"),
        (12.5, "12.5"),
    ],
)
def test_printable_escapes_controls_and_caps_the_length(text: object, expected: str) -> None:
    assert printable(text) == expected


def test_a_contract_error_names_file_lines_column_rule_and_count() -> None:
    err = ContractError(
        "in.csv", "in_range(300, 850)", column="CreditScore", rows=[3, 4, 5, 6, 7, 8], n_failed=6
    )
    assert str(err) == (
        "in.csv: line 3, 4, 5, 6, 7, ... column 'CreditScore' breaks rule in_range(300, 850) "
        "(6 rows fail)"
    )
    assert err.exit_code == 2


def test_a_table_row_is_named_by_its_keys_and_a_detail_follows() -> None:
    err = ContractError(
        "crm.customer_snapshots", "unique", keys=["a", "b", "c", "d"], n_failed=1, detail="x"
    )
    assert (
        str(err) == "crm.customer_snapshots: row (a; b; c; ...) breaks rule unique (1 row fail): x"
    )


def test_a_hostile_value_cannot_break_the_line() -> None:
    err = ContractError("in.csv", "known_column", column="Age\n\x1b[2J" + "y" * 100)
    message = str(err)
    assert "\n" not in message
    assert "\x1b" not in message
    assert "...(+" in message


def test_every_user_error_exits_with_two() -> None:
    assert issubclass(OutputError, UserError)
    assert issubclass(ContractError, UserError)
    assert OutputError("x").exit_code == UserError("x").exit_code == 2
