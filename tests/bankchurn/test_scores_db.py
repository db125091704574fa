"""The daily batch: `bankchurn predict` from the CRM table into its `churn.scores` table.

Against a real PostgreSQL server (``postgres_server``, tests/conftest.py; same xdist group as the
other database tests, so they share one cluster).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from bankchurn import crm_db, scores_db
from bankchurn.artifacts import load_artifact, save_artifact
from bankchurn.cli import main
from bankchurn.synthetic import generate_extract, write_extract

pytestmark = pytest.mark.xdist_group("postgres")

N_ROWS = 3000
DAY1, DAY2 = "2026-11-01", "2026-11-02"


@dataclass(frozen=True)
class Batch:
    """A CRM database with a loaded snapshot table, and the model that scores it."""

    server: Any
    url: str
    model: Path


@pytest.fixture(scope="module")
def batch(postgres_server: Any, trained_model_dir: Path) -> Batch:
    url = postgres_server.create_database("crm_batch")
    frame = generate_extract(n_rows=N_ROWS, n_snapshots=12, seed=11).frame
    crm_db.load_frame(url, frame)
    return Batch(postgres_server, url, trained_model_dir / "target.joblib")


def _predict(batch: Batch, *args: str, url: str | None = None) -> int:
    source = url or batch.url
    return main(
        ["predict", "--model", str(batch.model), "--input", source, "--output", source]
        + ["--no-progress", *args]
    )


def _scores(batch: Batch, where: str = "true", relation: str = scores_db.QUALIFIED_TABLE) -> Any:
    rows = batch.server.execute(
        f"SELECT run_date::text, customer_key, model_version, churn_probability, risk_band "
        f"FROM {relation} WHERE {where} ORDER BY run_date, customer_key",
        dbname="crm_batch",
    )
    return pd.DataFrame(
        rows, columns=["run_date", "CustomerKey", "model_version", "churn_probability", "band"]
    )


def test_scores_match_the_csv_path_and_the_view_shows_the_latest_run(
    batch: Batch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _predict(batch, "--run-date", DAY1, "--chunk-size", "700") == 0
    assert _predict(batch, "--run-date", DAY2) == 0
    out = capsys.readouterr().out
    assert f"scored {N_ROWS:,} rows in 1 chunk(s)" in out
    assert f"run {DAY2}" in out
    assert batch.server.password not in out

    stored = _scores(batch)
    assert stored.groupby("run_date").size().to_dict() == {DAY1: N_ROWS, DAY2: N_ROWS}
    version = load_artifact(batch.model).metadata["model_version"]
    assert set(stored["model_version"]) == {version}

    # the same customers, probabilities and bands as the CSV output of the same table (also
    # streamed chunk by chunk)
    csv = tmp_path / "scores.csv"
    args = ["predict", "--model", str(batch.model), "--input", batch.url, "--output", str(csv)]
    assert main([*args, "--no-progress", "--chunk-size", "1000"]) == 0
    assert f"scored {N_ROWS:,} rows in 3 chunk(s)" in capsys.readouterr().out
    expected = pd.read_csv(csv).sort_values("CustomerKey").reset_index(drop=True)
    for day in (DAY1, DAY2):  # chunked (700 rows) and whole: identical
        got = stored[stored["run_date"] == day].reset_index(drop=True)
        assert got["CustomerKey"].tolist() == expected["CustomerKey"].tolist()
        assert got["churn_probability"].tolist() == expected["churn_probability"].tolist()
        assert got["band"].tolist() == expected["risk_band"].tolist()

    latest = _scores(batch, relation=scores_db.QUALIFIED_VIEW)
    assert set(latest["run_date"]) == {DAY2}
    assert len(latest) == N_ROWS


def test_a_rerun_replaces_its_date_only(batch: Batch, tmp_path: Path) -> None:
    assert _predict(batch, "--run-date", DAY1) == 0
    assert _predict(batch, "--run-date", DAY2) == 0
    artifact = load_artifact(batch.model)
    other = tmp_path / "other.joblib"
    save_artifact(other, artifact.pipeline, {**artifact.metadata, "model_version": "rerun-2"})
    args = ["--model", str(other), "--input", batch.url, "--output", batch.url]
    assert main(["predict", *args, "--run-date", DAY2, "--no-progress"]) == 0
    stored = _scores(batch)
    assert stored.groupby("run_date").size().to_dict() == {DAY1: N_ROWS, DAY2: N_ROWS}
    by_day = stored.groupby("run_date")["model_version"].agg(set).to_dict()
    assert by_day == {DAY1: {artifact.metadata["model_version"]}, DAY2: {"rerun-2"}}


def test_a_run_killed_mid_write_leaves_the_previous_rows(batch: Batch) -> None:
    assert _predict(batch, "--run-date", DAY2) == 0
    before = _scores(batch, f"run_date = '{DAY2}'")
    exe = str(Path(sys.executable).with_name("bankchurn"))
    cmd = [exe, "predict", "--model", str(batch.model), "--input", batch.url]
    cmd += ["--output", batch.url, "--run-date", DAY2, "--chunk-size", "500", "--no-progress"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            # The new run is inside its transaction: old rows deleted, new ones streaming in.
            copied = batch.server.execute(
                "SELECT tuples_processed FROM pg_stat_progress_copy "
                f"WHERE relid = '{scores_db.QUALIFIED_TABLE}'::regclass",
                dbname="crm_batch",
            )
            if copied and int(copied[0][0]) > 0:
                os.kill(proc.pid, signal.SIGKILL)
                break
            time.sleep(0.01)
        code = proc.wait(timeout=60)
        assert code == -signal.SIGKILL, (
            f"the run ended ({code}) before it was killed: {proc.stderr.read()!r}"
        )
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    # The server notices the dead client and rolls its transaction back.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        busy = batch.server.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'bankchurn'",
            dbname="crm_batch",
        )
        if int(busy[0][0]) == 0:
            break
        time.sleep(0.1)
    after = _scores(batch, f"run_date = '{DAY2}'")
    pd.testing.assert_frame_equal(after, before)  # no half-written run, no duplicate


def test_a_bad_row_is_named_by_its_key_and_nothing_is_written(
    batch: Batch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = batch.server.create_database("crm_batch_bad")
    frame = generate_extract(n_rows=400, n_snapshots=4, seed=12).frame
    crm_db.load_frame(url, frame)
    cid = int(frame["CustomerId"].iloc[300])
    batch.server.execute(
        f"UPDATE crm.customer_snapshot SET age = 7 WHERE customer_id = {cid}",
        dbname="crm_batch_bad",
    )
    assert _predict(batch, "--run-date", DAY1, "--chunk-size", "100", url=url) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert "crm.customer_snapshot" in err
    assert f"customer_id={cid}" in err
    assert "'age'" in err
    exists = batch.server.execute("SELECT to_regclass('churn.scores')", dbname="crm_batch_bad")
    if exists[0][0] is not None:
        assert batch.server.execute("SELECT count(*) FROM churn.scores", "crm_batch_bad") == [(0,)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--run-date", "2026-13-01"], "--run-date 2026-13-01: not a date"),
        (["--run-date", DAY1, "--output", "x.csv"], "--run-date applies to a database --output"),
    ],
)
def test_option_mistakes_are_one_line(
    batch: Batch, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["predict", "--model", str(batch.model), "--input", batch.url, "--no-progress"]
    if "--output" not in args:
        base += ["--output", batch.url]
    assert main(base + args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert message in err


def test_a_csv_extract_feeds_the_scores_table_like_the_table(
    batch: Batch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same rows as CSV or as the CRM table: the same keys, probabilities and bands."""
    DAY3 = "2026-11-03"
    csv = write_extract(
        generate_extract(n_rows=N_ROWS, n_snapshots=12, seed=11), tmp_path / "x.csv"
    )
    args = ["predict", "--model", str(batch.model), "--output", batch.url, "--no-progress"]
    assert main([*args, "--input", str(csv), "--run-date", DAY3, "--chunk-size", "1000"]) == 0
    assert f"scored {N_ROWS:,} rows in 3 chunk(s)" in capsys.readouterr().out
    assert main([*args, "--input", batch.url, "--run-date", DAY1]) == 0
    from_csv = _scores(batch, f"run_date = '{DAY3}'").drop(columns="run_date")
    from_table = _scores(batch, f"run_date = '{DAY1}'").drop(columns="run_date")
    pd.testing.assert_frame_equal(from_csv, from_table)
    assert len(from_csv) == N_ROWS

    # A bad CSV row is named by its line, and the date's scores are left as they were.
    bad = tmp_path / "bad.csv"
    lines = csv.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    row = lines[5].rstrip("\n").split(",")
    row[header.index("Age")] = "-4"
    bad.write_text("".join([*lines[:5], ",".join(row) + "\n", *lines[6:]]), encoding="utf-8")
    assert main([*args, "--input", str(bad), "--run-date", DAY3]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert str(bad) in err
    assert "Age" in err
    assert "line 6" in err
    after = _scores(batch, f"run_date = '{DAY3}'").drop(columns="run_date")
    pd.testing.assert_frame_equal(after, from_csv)
    batch.server.execute(
        f"DELETE FROM {scores_db.QUALIFIED_TABLE} WHERE run_date = '{DAY3}'", dbname="crm_batch"
    )


def test_the_table_streams_in_chunks_equal_to_one_read(batch: Batch) -> None:
    whole = crm_db.read_table(batch.url, require_label=False)
    chunks = list(crm_db.iter_table(batch.url, 1000, require_label=False))
    assert [len(c.frame) for c in chunks] == [1000, 1000, 1000]
    joined = pd.concat([c.frame for c in chunks], ignore_index=True)
    pd.testing.assert_frame_equal(joined, whole.frame)
    assert [k for c in chunks for k in c.keys] == whole.keys


def test_a_chunk_never_ends_inside_a_quoted_newline() -> None:
    data = bytearray(b'1,"a\nb"\n2,c\n3,"d\n\ne"\n4,f\n')
    assert crm_db._row_boundary(data, 1) == len(b'1,"a\nb"\n')
    assert crm_db._row_boundary(data, 3) == len(b'1,"a\nb"\n2,c\n3,"d\n\ne"\n')
    assert crm_db._row_boundary(data, 5) is None


def test_today_is_the_default_run_date(batch: Batch) -> None:
    assert _predict(batch) == 0
    today = dt.date.today().isoformat()
    assert len(_scores(batch, f"run_date = '{today}'")) == N_ROWS


def test_explained_runs_store_the_reasons_of_the_csv_path(batch: Batch, tmp_path: Path) -> None:
    from bankchurn.explain import REASON_COLUMNS

    assert _predict(batch, "--run-date", DAY1, "--explain", "--chunk-size", "1000") == 0
    rows = batch.server.execute(
        f"SELECT customer_key, {', '.join(REASON_COLUMNS)} FROM {scores_db.QUALIFIED_TABLE} "
        f"WHERE run_date = '{DAY1}' ORDER BY customer_key",
        dbname="crm_batch",
    )
    stored = pd.DataFrame(rows, columns=["CustomerKey", *REASON_COLUMNS])
    csv = tmp_path / "explained.csv"
    args = ["predict", "--model", str(batch.model), "--input", batch.url, "--output", str(csv)]
    assert main([*args, "--explain", "--no-progress"]) == 0
    expected = pd.read_csv(csv, keep_default_na=False).sort_values("CustomerKey")
    expected = expected[["CustomerKey", *REASON_COLUMNS]].reset_index(drop=True)
    pd.testing.assert_frame_equal(stored, expected)
    assert stored[REASON_COLUMNS[0]].str.len().min() > 0
    # a run without --explain leaves them empty
    assert _predict(batch, "--run-date", DAY1) == 0
    empty = batch.server.execute(
        f"SELECT count(*) FROM {scores_db.QUALIFIED_TABLE} "
        f"WHERE run_date = '{DAY1}' AND {REASON_COLUMNS[0]} IS NOT NULL",
        dbname="crm_batch",
    )
    assert empty == [(0,)]


def _credit_scores_missing(batch: Batch, n_missing: int) -> str:
    """A CRM table of 1000 rows whose first ``n_missing`` rows (in read order) miss CreditScore."""
    name = f"crm_batch_missing{n_missing}"
    url = batch.server.create_database(name)
    frame = generate_extract(n_rows=1000, n_snapshots=4, seed=5).frame.copy()
    frame["CreditScore"] = frame["CreditScore"].astype("float64").fillna(650.0)
    crm_db.load_frame(url, frame)
    batch.server.execute(
        f"UPDATE {crm_db.QUALIFIED_TABLE} SET credit_score = NULL WHERE customer_id IN "
        f"(SELECT customer_id FROM {crm_db.QUALIFIED_TABLE} "
        f"ORDER BY snapshot_date, customer_id LIMIT {n_missing})",
        dbname=name,
    )
    return url


def test_the_share_of_missing_values_is_judged_on_the_whole_table(
    batch: Batch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """1% missing overall (20% of the first chunk) passes; 1.1% fails like `data validate`."""
    ok = _credit_scores_missing(batch, 10)
    assert main(["data", "validate", ok]) == 0
    assert _predict(batch, "--run-date", DAY1, "--chunk-size", "50", url=ok) == 0
    csv = tmp_path / "ok.csv"
    args = ["predict", "--model", str(batch.model), "--input", ok, "--no-progress"]
    assert main([*args, "--output", str(csv), "--chunk-size", "50"]) == 0
    assert csv.read_text().count("\n") == 1001
    capsys.readouterr()

    bad = _credit_scores_missing(batch, 11)
    assert main(["data", "validate", bad]) == 2
    by_validate = capsys.readouterr().err.strip()
    rule = "column 'credit_score' breaks rule null_fraction<=0.01 (11 rows fail)"
    assert rule in by_validate
    assert _predict(batch, "--run-date", DAY1, "--chunk-size", "50", url=bad) == 2
    to_db = capsys.readouterr().err.strip()
    dest = tmp_path / "bad.csv"
    args = ["predict", "--model", str(batch.model), "--input", bad, "--no-progress"]
    assert main([*args, "--output", str(dest), "--chunk-size", "50"]) == 2
    to_csv = capsys.readouterr().err.strip()
    for err in (to_db, to_csv):
        assert len(err.splitlines()) == 1, err
        assert f"table {crm_db.QUALIFIED_TABLE}: column" in err
        assert rule in err
    assert not dest.exists()
    # the whole transaction was rolled back, its CREATE TABLE included
    exists = batch.server.execute(
        f"SELECT to_regclass('{scores_db.QUALIFIED_TABLE}')", dbname="crm_batch_missing11"
    )
    assert exists == [(None,)]
