"""Checks nbval cannot make on the notebooks in ``notebooks/``.

``pytest --nbval notebooks`` re-runs every cell and compares the text outputs, but it passes a
notebook saved without outputs and never compares images. The checks here fill those gaps and
enforce the "thin notebook" rule of the project:

* stored outputs: every code cell that would print or display something has stored outputs,
  the cells ran top to bottom in one kernel (execution counts 1..n), no error is stored;
* numbers behind plots: every cell that stores an image is followed by a code cell whose
  stored output is text with numbers (what nbval can compare);
* thin: no function, class or lambda definitions, no code cell longer than
  `MAX_CELL_LINES` non-blank lines (the logic lives in ``bankchurn``);
* honest exceptions: an output ignored by nbval (``# NBVAL_IGNORE_OUTPUT`` or the
  ``nbval-ignore-output`` tag) and a ``warnings`` filter each carry a comment saying why;
* reproducible files: no volatile metadata (execution timestamps), kernelspec ``python3``,
  no absolute paths or memory addresses in outputs, every notebook listed in the site nav.
* no drift: every number a notebook prints as JSON (``print(report_files.to_json(...))``) equals
  the same key of the ``reports/*.json`` that ``bankchurn report`` wrote.

Each check is a function returning a list of problems; the tests feed it the real notebooks
(expecting none) and doctored copies (expecting the problem), so a check that cannot fail
would show up here.
"""

from __future__ import annotations

import ast
import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from IPython.core.inputtransformer2 import TransformerManager

from bankchurn.settings import settings

ROOT = settings().root
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
EXPECTED = ("01-data", "02-baseline", "03-target", "04-business-and-responsibility")

#: Longest code cell allowed (non-blank lines, comments included).
MAX_CELL_LINES = 12
#: Smallest explanation (in words) a comment justifying an exception must have.
MIN_REASON_WORDS = 3
IGNORE_MARKERS = ("NBVAL_IGNORE_OUTPUT", "NBVAL_SKIP")
IGNORE_TAGS = ("nbval-ignore-output", "nbval-skip")
TEXT_TYPES = ("text/plain", "text/html", "text/markdown")
IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml")
#: Output text that depends on the machine or the run rather than on the data.
VOLATILE_OUTPUT = re.compile(
    r"(?P<path>(?<![\w.])/(?:home|root|tmp|work|usr|opt|var|Users)/[\w.-]+)"
    r"|(?P<address>\bat 0x[0-9a-fA-F]{6,}\b)"
)
NUMBER = re.compile(r"\d")

Notebook = dict[str, Any]


def load(path: Path) -> Notebook:
    """The notebook JSON."""
    return json.loads(path.read_text(encoding="utf-8"))


def source(cell: dict[str, Any]) -> str:
    """A cell's source as one string (nbformat stores a string or a list of lines)."""
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def code_cells(nb: Notebook) -> list[dict[str, Any]]:
    """The code cells, in order."""
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def python_of(cell: dict[str, Any]) -> ast.Module:
    """The cell's source as Python (IPython magics such as ``%matplotlib`` translated)."""
    return ast.parse(TransformerManager().transform_cell(source(cell)))


def _output_text(output: dict[str, Any]) -> str:
    if output.get("output_type") == "stream":
        text = output.get("text", "")
        return "".join(text) if isinstance(text, list) else text
    data = output.get("data", {})
    if any(t in data for t in IMAGE_TYPES):
        return ""  # the "<Figure size ...>" repr of a plot is not a number behind it
    parts = [data[t] for t in TEXT_TYPES if t in data]
    return "".join("".join(p) if isinstance(p, list) else p for p in parts)


def has_image(cell: dict[str, Any]) -> bool:
    """Whether the cell stores an image output."""
    return any(t in o.get("data", {}) for o in cell.get("outputs", []) for t in IMAGE_TYPES)


def would_output(cell: dict[str, Any]) -> bool:
    """Whether running the cell shows something.

    It prints or displays, or ends in an expression whose value IPython echoes (not silenced by a
    trailing ``;``).
    """
    tree = python_of(cell)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("print", "display")
        ):
            return True
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        return False
    last = tree.body[-1].value
    if isinstance(last, ast.Call) and getattr(last.func, "attr", "") == "filterwarnings":
        return False
    return not source(cell).rstrip().endswith(";")


def _reasoned(comment: str, marker: str = "") -> bool:
    """Whether a comment (minus the marker) explains itself in a few words."""
    words = re.findall(r"[A-Za-z]{2,}", comment.replace(marker, ""))
    return len(words) >= MIN_REASON_WORDS


def _comments(text: str) -> list[str]:
    return [ln.strip() for ln in text.splitlines() if ln.strip().startswith("#")]


# --- checks -------------------------------------------------------------------------------------


def check_stored_outputs(nb: Notebook, name: str) -> list[str]:
    """Outputs stored, cells run top to bottom, no error stored."""
    problems = []
    cells = code_cells(nb)
    counts = [c.get("execution_count") for c in cells]
    if counts != list(range(1, len(cells) + 1)):
        problems.append(
            f"{name}: execution counts {counts} are not 1..{len(cells)}: re-execute "
            "the whole notebook (make notebooks)"
        )
    for i, cell in enumerate(cells, 1):
        outputs = cell.get("outputs", [])
        if would_output(cell) and not outputs:
            problems.append(f"{name}: code cell {i} shows output when run but none is stored")
        for out in outputs:
            if out.get("output_type") == "error":
                problems.append(f"{name}: code cell {i} stores an error ({out.get('ename')})")
            elif out.get("output_type") == "stream" and out.get("name") == "stderr":
                problems.append(f"{name}: code cell {i} stores stderr output (a warning?)")
    if not any(has_image(c) for c in cells):
        problems.append(f"{name}: no plot stored")
    return problems


def check_numbers_after_plots(nb: Notebook, name: str) -> list[str]:
    """Each cell with an image is followed by a code cell printing text with numbers."""
    problems = []
    cells = code_cells(nb)
    for i, cell in enumerate(cells):
        if not has_image(cell):
            continue
        following = cells[i + 1] if i + 1 < len(cells) else None
        text = "".join(_output_text(o) for o in following.get("outputs", [])) if following else ""
        if not NUMBER.search(text):
            problems.append(
                f"{name}: the plot of code cell {i + 1} is not followed by a cell "
                "printing the numbers behind it"
            )
    return problems


def check_thin(nb: Notebook, name: str) -> list[str]:
    """No definitions, no long code cells."""
    problems = []
    for i, cell in enumerate(code_cells(nb), 1):
        lines = [ln for ln in source(cell).splitlines() if ln.strip()]
        if len(lines) > MAX_CELL_LINES:
            problems.append(
                f"{name}: code cell {i} has {len(lines)} lines (max {MAX_CELL_LINES}):"
                " move the logic into the bankchurn package"
            )
        for node in ast.walk(python_of(cell)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                kind = type(node).__name__.replace("Def", "").lower()
                problems.append(
                    f"{name}: code cell {i} defines a {kind}: notebooks only call the package"
                )
    return problems


def check_exceptions_justified(nb: Notebook, name: str) -> list[str]:
    """Ignored outputs and warning filters carry a comment saying why."""
    problems = []
    for i, cell in enumerate(code_cells(nb), 1):
        text = source(cell)
        comments = _comments(text)
        tags = cell.get("metadata", {}).get("tags", [])
        marker = next((m for m in IGNORE_MARKERS if m in text), None)
        tagged = [t for t in tags if t in IGNORE_TAGS]
        if marker or tagged:
            reason = [c for c in comments if _reasoned(c, marker or "")]
            if not reason:
                what = marker or tagged[0]
                problems.append(
                    f"{name}: code cell {i} ignores its output ({what}) without a "
                    "comment saying why"
                )
        lines = text.splitlines()
        for j, line in enumerate(lines):
            if re.search(r"warnings\.(filterwarnings|simplefilter)\(", line):
                before = [ln for ln in lines[:j] if ln.strip()]
                inline = line.split("#", 1)[1] if "#" in line else ""
                above = before[-1].strip() if before else ""
                if not (_reasoned(inline) or (above.startswith("#") and _reasoned(above))):
                    problems.append(
                        f"{name}: code cell {i} filters warnings without a comment saying why"
                    )
    return problems


def check_reproducible(nb: Notebook, name: str) -> list[str]:
    """Kernel python3, no volatile metadata, no machine-specific output."""
    problems = []
    if nb.get("metadata", {}).get("kernelspec", {}).get("name") != "python3":
        problems.append(f"{name}: kernelspec is not python3")
    for i, cell in enumerate(code_cells(nb), 1):
        if "execution" in cell.get("metadata", {}):
            problems.append(
                f"{name}: code cell {i} stores execution timestamps (run nbconvert "
                "with --ExecutePreprocessor.record_timing=False)"
            )
        for out in cell.get("outputs", []):
            match = VOLATILE_OUTPUT.search(_output_text(out))
            if match:
                problems.append(
                    f"{name}: code cell {i} output depends on the machine: {match.group(0)!r}"
                )
    return problems


#: Reports whose numbers each notebook prints (``bankchurn report`` writes them), and keys
#: that must be among the printed ones, so the comparison below cannot pass vacuously.
REPORTS_OF: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "01-data": (("data_profile.json",), ("churn_rate", "n_rows", "null_fraction")),
    "02-baseline": (("baseline/metrics.json",), ("roc_auc", "pr_auc", "lift_at_10")),
    "03-target": (
        ("target/metrics.json", "model_selection.json"),
        ("roc_auc", "brier", "gap_to_bayes_optimal", "n_trials"),
    ),
    "04-business-and-responsibility": (
        ("target/metrics.json",),
        ("lift_at_10", "success_rate_needed_at_operating_point"),
    ),
}


def _leaves(obj: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    if isinstance(obj, dict):
        return [leaf for k, v in obj.items() for leaf in _leaves(v, (*path, str(k)))]
    if isinstance(obj, list):
        return [leaf for i, v in enumerate(obj) for leaf in _leaves(v, (*path, str(i)))]
    return [(path, obj)]


def printed_json(nb: Notebook) -> list[dict[str, Any]]:
    """The JSON objects the notebook prints (``print(report_files.to_json(...))``)."""
    found = []
    for cell in code_cells(nb):
        for out in cell.get("outputs", []):
            if out.get("output_type") != "stream" or out.get("name") != "stdout":
                continue
            text = _output_text(out)
            start = text.find("{")
            while start != -1:
                try:
                    obj, end = json.JSONDecoder().raw_decode(text, start)
                except json.JSONDecodeError:
                    start = text.find("{", start + 1)
                    continue
                if isinstance(obj, dict):
                    found.append(obj)
                start = text.find("{", end)
    return found


def report_mismatches(
    nb: Notebook, name: str, reports: list[dict[str, Any]], required: tuple[str, ...]
) -> list[str]:
    """Printed numbers that differ from the reports (a key path matches by its suffix)."""
    leaves = [leaf for report in reports for leaf in _leaves(report)]
    problems, seen = [], set()
    for obj in printed_json(nb):
        for path, value in _leaves(obj):
            same_key = [v for p, v in leaves if p[-len(path) :] == path]
            if not same_key:
                continue  # computed in the notebook (e.g. a probability cut), not reported
            seen.add(path[-1])
            if value not in same_key:
                problems.append(
                    f"{name}: prints {'.'.join(path)} = {value!r} but the reports say "
                    f"{same_key[0]!r}: re-execute the notebooks (make notebooks)"
                )
    missing = [k for k in required if k not in seen]
    if missing:
        problems.append(f"{name}: does not print the reported {missing}")
    return problems


CHECKS = (
    check_stored_outputs,
    check_numbers_after_plots,
    check_thin,
    check_exceptions_justified,
    check_reproducible,
)


def problems_of(nb: Notebook, name: str) -> list[str]:
    """Every problem of one notebook."""
    return [p for check in CHECKS for p in check(nb, name)]


# --- the real notebooks --------------------------------------------------------------------------


def test_the_four_notebooks_exist() -> None:
    assert tuple(p.stem for p in NOTEBOOKS) == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_passes_every_check(path: Path) -> None:
    assert problems_of(load(path), path.name) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_printed_numbers_equal_the_reports(path: Path) -> None:
    files, required = REPORTS_OF[path.stem]
    reports = [load(ROOT / "reports" / f) for f in files]
    assert report_mismatches(load(path), path.name, reports, required) == []


def test_every_notebook_is_in_the_site_nav() -> None:
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    pattern = r"^\s*-\s+(?:[^:\n]+:\s+)?notebooks/([\w.-]+\.ipynb)\s*$"
    listed = set(re.findall(pattern, nav, re.MULTILINE))
    assert {p.name for p in NOTEBOOKS} <= listed


# --- the checks can fail -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> Notebook:
    """A real notebook to doctor."""
    return load(NOTEBOOKS[0])


def _write_and_reload(nb: Notebook, tmp_path: Path) -> Notebook:
    path = tmp_path / "doctored.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    return load(path)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_a_notebook_saved_without_outputs_fails(path: Path, tmp_path: Path) -> None:
    nb = load(path)
    for cell in code_cells(nb):
        cell["outputs"], cell["execution_count"] = [], None
    problems = check_stored_outputs(_write_and_reload(nb, tmp_path), "stripped")
    assert any("none is stored" in p for p in problems)
    assert any("execution counts" in p for p in problems)
    assert any("no plot stored" in p for p in problems)


def test_a_plot_without_its_numbers_fails(sample: Notebook, tmp_path: Path) -> None:
    nb = copy.deepcopy(sample)
    cells = code_cells(nb)
    i = next(k for k, c in enumerate(cells) if has_image(c))
    cells[i + 1]["outputs"] = []
    problems = check_numbers_after_plots(_write_and_reload(nb, tmp_path), "doctored")
    assert problems == [
        (
            f"doctored: the plot of code cell {i + 1} is not followed by a cell "
            "printing the numbers behind it"
        )
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("def helper(x):\n    return x + 1\n", "defines a function"),
        ("class Model:\n    pass\n", "defines a class"),
        ("key = lambda r: r['n']\n", "defines a lambda"),
        ("".join(f"x{k} = {k}\n" for k in range(MAX_CELL_LINES + 1)), "lines (max"),
    ],
)
def test_a_fat_notebook_fails(sample: Notebook, tmp_path: Path, body: str, expected: str) -> None:
    nb = copy.deepcopy(sample)
    code_cells(nb)[1]["source"] = body
    problems = check_thin(_write_and_reload(nb, tmp_path), "doctored")
    assert len(problems) == 1
    assert expected in problems[0]


@pytest.mark.parametrize(
    ("body", "tags", "ok"),
    [
        ("# NBVAL_IGNORE_OUTPUT\nprint(1)\n", [], False),
        ("# NBVAL_IGNORE_OUTPUT: the bootstrap draws differ by platform\nprint(1)\n", [], True),
        ("print(1)\n", ["nbval-ignore-output"], False),
        ("# the timing differs on every run\nprint(1)\n", ["nbval-ignore-output"], True),
        ("import warnings\nwarnings.filterwarnings('ignore')\n", [], False),
        (
            (
                "import warnings\n# sklearn warns about a deprecated default we do not use\n"
                "warnings.filterwarnings('ignore')\n"
            ),
            [],
            True,
        ),
    ],
)
def test_unexplained_exceptions_fail(
    sample: Notebook, tmp_path: Path, body: str, tags: list[str], ok: bool
) -> None:
    nb = copy.deepcopy(sample)
    cell = code_cells(nb)[1]
    cell["source"], cell["metadata"] = body, {"tags": tags}
    problems = check_exceptions_justified(_write_and_reload(nb, tmp_path), "doctored")
    assert (problems == []) is ok, problems


def test_volatile_content_fails(sample: Notebook, tmp_path: Path) -> None:
    nb = copy.deepcopy(sample)
    nb["metadata"]["kernelspec"]["name"] = "my-venv"
    cells = code_cells(nb)
    cells[0]["metadata"]["execution"] = {"iopub.execute_input": "2025-01-01T00:00:00.000Z"}
    cells[1]["outputs"] = [
        {
            "output_type": "stream",
            "name": "stdout",
            "text": "loaded /home/alice/Churn_Modelling.csv\n",
        }
    ]
    cells[2]["outputs"] = [
        {
            "output_type": "execute_result",
            "execution_count": 3,
            "metadata": {},
            "data": {"text/plain": "<object at 0x7f3a2b1c4d50>"},
        }
    ]
    problems = check_reproducible(_write_and_reload(nb, tmp_path), "doctored")
    assert len(problems) == 4, problems
    assert any("kernelspec" in p for p in problems)
    assert any("timestamps" in p for p in problems)
    assert any("/home/alice" in p for p in problems)
    assert any("0x7f3a2b1c4d50" in p for p in problems)


def test_a_stored_error_or_warning_fails(sample: Notebook, tmp_path: Path) -> None:
    nb = copy.deepcopy(sample)
    cells = code_cells(nb)
    cells[1]["outputs"] = [
        {"output_type": "error", "ename": "ValueError", "evalue": "x", "traceback": []}
    ]
    cells[2]["outputs"].append({"output_type": "stream", "name": "stderr", "text": "Warning\n"})
    problems = check_stored_outputs(_write_and_reload(nb, tmp_path), "doctored")
    assert any("stores an error (ValueError)" in p for p in problems)
    assert any("stderr" in p for p in problems)


def test_a_stale_notebook_fails_against_the_reports() -> None:
    path = NOTEBOOK_DIR / "02-baseline.ipynb"
    files, required = REPORTS_OF[path.stem]
    report = load(ROOT / "reports" / files[0])
    report["roc_auc"] = round(report["roc_auc"] + 0.01, 6)  # as if the model had changed
    problems = report_mismatches(load(path), "stale", [report], required)
    assert len(problems) == 1
    assert problems[0].startswith("stale: prints roc_auc = ")
    silent = report_mismatches({"cells": []}, "silent", [report], required)
    assert silent == ["silent: does not print the reported ['roc_auc', 'pr_auc', 'lift_at_10']"]


@pytest.mark.parametrize(
    ("body", "shows"),
    [
        ("x = 1\n", False),
        ("import os\n", False),
        ("display(fig);\n", True),
        ("print(x)\n", True),
        ("frame.head()\n", True),
        ("frame.head();\n", False),
        ("%matplotlib inline\nimport os\n", False),
        ("if ok:\n    print(1)\n", True),
    ],
)
def test_would_output(body: str, shows: bool) -> None:
    assert would_output({"source": body}) is shows
