"""The site on a user's own file: a real (non-synthetic), dateless extract, like the Kaggle CSV.

The "Use your own data" page's commands, run as written: a key of one's own, ``bankchurn
report --data FILE --out DIR`` then a strict ``mkdocs build`` with ``BANKCHURN_REPORTS_DIR=DIR``.
Every page must build, and say in words what such a file cannot tell (the ceiling, the temporal
split, the label's horizon) instead of failing or printing a blank; the command writes its
models under ``DIR``, never over the repository's ``models/`` that ``make api`` serves.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from designdocs.checks.shell_blocks import shell_blocks
from designdocs.site.build import ROOT, build_other_site

pytestmark = pytest.mark.xdist_group("user-data-site")

BANKCHURN = Path(sys.executable).with_name("bankchurn")
OWN_DATA = ROOT / "docs" / "own-data.md"


def _text(page: Path) -> str:
    raw = re.sub(
        r"<script.*?</script>|<style.*?</style>", "", page.read_text("utf-8"), flags=re.DOTALL
    )
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", raw)))


@pytest.fixture(scope="module")
def user_site(tmp_path_factory: pytest.TempPathFactory, run_documented) -> tuple[Path, Path]:
    """Reports and a strict site built from a dateless, non-synthetic 3,000-row file.

    The commands are the "Use your own data" page's, run as written (key set-up included),
    except the site build, which runs under the lock the other site tests share.
    """
    work = tmp_path_factory.mktemp("user-data")
    dated = work / "generated.csv"
    subprocess.run(
        [str(BANKCHURN), "data", "generate", "--rows", "3000", "--out", str(dated)],
        env={**os.environ, "BANKCHURN_TRACKING": "false"},
        capture_output=True,
        check=True,
    )
    # The generator's rows without dates, read from a plain file: to the pipeline, a user's file.
    user_file = work / "Churn_Modelling_like.csv"
    pd.read_csv(dated).drop(columns=["SnapshotDate"]).to_csv(user_file, index=False)
    models = sorted((ROOT / "models").glob("*.joblib"))
    before = {p: p.stat().st_mtime_ns for p in models}
    (block,) = shell_blocks(OWN_DATA.read_text("utf-8"), "Use your own data")
    *commands, build_line = block.rstrip("\n").splitlines()
    assert "mkdocs build --strict" in build_line
    out = work / "my-reports"
    replace = {
        "/path/to/Churn_Modelling.csv": str(user_file),
        "/tmp/my-reports": str(out),
        # a smaller search of the same models: the suite's time budget
        "report --data": "report --fast --data",
    }
    done = run_documented("\n".join(commands), work, replace)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (work / ".bankchurn-pseudonym-key").stat().st_mode & 0o077 == 0, "the key is readable"
    assert {p: p.stat().st_mtime_ns for p in models} == before, "report wrote over models/"
    assert sorted(p.name for p in (out / "models").glob("*.joblib")) == [
        "baseline.joblib",
        "target.joblib",
    ]
    build = build_other_site(out, work / "site")
    assert build.returncode == 0, build.log[-3000:]
    return out, work / "site"


def test_every_page_builds_and_none_shows_a_blank(user_site) -> None:
    _, site = user_site
    for page in site.rglob("*.html"):
        if page.relative_to(site).parts[0] in ("notebooks", "reference"):
            continue  # stored notebook outputs and code listings, not report figures
        text = _text(page)
        for blank in (" None ", " nan ", " NaN "):
            assert blank not in text, f"{page.relative_to(site)} shows {blank.strip()!r}"


def test_pages_say_what_a_real_dateless_file_cannot_tell(user_site) -> None:
    _, site = user_site
    home = _text(site / "index.html")
    assert "cannot be known on a real file" in home
    assert "synthetic" not in home.split("Status")[0]
    canvas = _text(site / "ml-canvas" / "index.html")
    assert "Cannot be known on this file" in canvas  # the ceiling
    assert "the file has no dates" in canvas  # the volume and the temporal split
    split = _text(site / "decisions" / "0007-temporal-validation-split" / "index.html")
    assert "has no dates" in split
    ceiling = _text(
        site
        / "decisions"
        / "0021-target-model-xgboost-or-lightgbm-chosen-by-time-ordered-cv"
        / "index.html"
    )
    assert "unknown on a real file" in ceiling


def test_the_reports_of_a_dateless_file_say_its_label_horizon_is_unknown(user_site) -> None:
    reports, _ = user_site
    import json

    label = json.loads((reports / "data_profile.json").read_text("utf-8"))["label"]
    assert label["horizon_known"] is False
    assert "no dates" in label["how_this_data_defines_it"]
