"""The training procedure refuses data a model cannot be trained and measured on.

The procedure itself (split, fit, tune, measure) runs in the shared fixtures of
``tests/conftest.py`` and ``tests/bankchurn/conftest.py`` and is checked through the reports
(``tests/bankchurn/test_reporting.py``) and the commands (``tests/bankchurn/cli/test_model.py``).
"""

from __future__ import annotations

import pandas as pd
import pytest

from bankchurn.errors import UserError
from bankchurn.training import MIN_ROWS_PER_CLASS, check_trainable


def _labels(churners: int, stayers: int) -> pd.Series:
    return pd.Series([1] * churners + [0] * stayers)


def test_enough_of_each_class_passes() -> None:
    enough = _labels(MIN_ROWS_PER_CLASS, MIN_ROWS_PER_CLASS)
    check_trainable(enough, enough, "crm.csv")


@pytest.mark.parametrize(
    ("train", "test", "message"),
    [
        ((0, 50), (20, 20), "the training rows hold 0 churners and 50 stayers"),
        (
            (20, 20),
            (20, MIN_ROWS_PER_CLASS - 1),
            f"the test rows hold 20 churners and {MIN_ROWS_PER_CLASS - 1} stayers",
        ),
    ],
)
def test_too_few_of_a_class_is_one_line_naming_the_source(train, test, message) -> None:
    with pytest.raises(UserError, match=f"^crm.csv: {message}; a model needs at least") as err:
        check_trainable(_labels(*train), _labels(*test), "crm.csv")
    assert "\n" not in str(err.value)
