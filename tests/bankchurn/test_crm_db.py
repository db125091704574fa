"""The CRM as a PostgreSQL source, against a real server (``postgres_server``, tests/conftest.py).

Every command that reads data takes the database URL and must behave exactly as it does with the
same rows as a CSV: same validation verdict, same pseudonyms, byte-identical metrics and scores;
a bad row is named by its table, key and column; no credential reaches an output.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from bankchurn import contract, crm_db
from bankchurn.cli import main
from bankchurn.errors import ContractError
from bankchurn.synthetic import generate_extract, to_csv_bytes

pytestmark = pytest.mark.xdist_group("postgres")

READER = "bankchurn_reader"
READER_PASSWORD = "reader-Secret-7f3a"  # asserted absent from every output below


def test_table_declares_every_contract_column_but_the_export_row_number() -> None:
    ddl = crm_db.create_table_sql()
    for spec in contract.COLUMNS:
        assert (crm_db.db_column(spec.name) in ddl) == (spec.name != "RowNumber"), spec.name
    assert crm_db.db_column("NumOfProducts") == "num_of_products"
    assert crm_db.db_column("HasCrCard") == "has_cr_card"
    assert "UNIQUE NULLS NOT DISTINCT (snapshot_date, customer_id)" in ddl


def test_display_url_drops_credentials_and_query() -> None:
    url = "postgresql://alice:s3cr%40t@db.example:6543/crm?sslmode=require&password=x"
    assert crm_db.display_url(url) == "postgresql://db.example:6543/crm"
    assert crm_db.display_url("postgresql:///crm") == "postgresql:///crm"


@dataclass(frozen=True)
class Crm:
    """A loaded CRM database and the same rows as a CSV file."""

    csv: Path
    frame: pd.DataFrame
    admin_url: str
    reader_url: str
    server: object


def _sorted_extract(n_rows: int = 1200) -> pd.DataFrame:
    """A synthetic extract in the table's key order, numbered as an export of it would be."""
    frame = generate_extract(n_rows=n_rows, n_snapshots=12, seed=7).frame
    frame = frame.sort_values([contract.SNAPSHOT, contract.CUSTOMER_ID], kind="stable")
    return frame.assign(RowNumber=range(1, len(frame) + 1)).reset_index(drop=True)


@pytest.fixture(scope="module")
def crm(postgres_server, tmp_path_factory: pytest.TempPathFactory) -> Crm:
    """Database ``crm`` loaded through ``data load``, readable by a SELECT-only role."""
    frame = _sorted_extract()
    csv = tmp_path_factory.mktemp("crm") / "crm.csv"
    csv.write_bytes(to_csv_bytes(frame))
    admin = postgres_server.create_database("crm")
    postgres_server.create_role(READER, READER_PASSWORD)
    assert main(["data", "load", str(csv), "--into", admin, "--grant-read", READER]) == 0
    reader = postgres_server.url("crm", READER, READER_PASSWORD)
    return Crm(csv, frame, admin, reader, postgres_server)


def _copy_db(crm: Crm, name: str, sql: str) -> str:
    """A copy of the loaded database with ``sql`` applied; the reader's URL to it."""
    crm.server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    crm.server.execute(f'CREATE DATABASE "{name}" TEMPLATE crm')
    crm.server.execute(sql, dbname=name)
    return crm.server.url(name, READER, READER_PASSWORD)


def test_validate_database_and_csv_give_the_same_summary(crm: Crm, capsys) -> None:
    assert main(["data", "validate", str(crm.csv)]) == 0
    from_csv = capsys.readouterr().out
    assert main(["data", "validate", crm.reader_url]) == 0
    captured = capsys.readouterr()
    assert captured.out == from_csv
    assert from_csv.startswith("OK: 1,200 rows")
    assert READER_PASSWORD not in captured.out + captured.err


def test_read_gives_the_csv_rows_with_the_same_pseudonyms(crm: Crm) -> None:
    from bankchurn.ingest import load_extract

    from_db, from_csv = load_extract(crm.reader_url), load_extract(crm.csv)
    pd.testing.assert_frame_equal(from_db.frame, from_csv.frame)
    assert from_db.provenance["source"] == "postgresql"
    assert from_db.provenance["table"] == "crm.customer_snapshot"
    assert READER_PASSWORD not in json.dumps(from_db.provenance)


# (defect name, SQL planting it, the same defect in the CSV frame, contract column, rule)
DEFECTS = [
    (
        "age_7",
        "UPDATE crm.customer_snapshot SET age = 7 WHERE customer_id = {cid}",
        lambda f, i: f.assign(Age=f["Age"].mask(f.index == i, 7)),
        "Age",
        "in_range(18, 100)",
    ),
    (
        "geography_mars",
        "UPDATE crm.customer_snapshot SET geography = 'Mars' WHERE customer_id = {cid}",
        lambda f, i: f.assign(Geography=f["Geography"].mask(f.index == i, "Mars")),
        "Geography",
        "isin(['France', 'Germany', 'Spain'])",
    ),
    (
        "label_null",
        "UPDATE crm.customer_snapshot SET exited = NULL WHERE customer_id = {cid}",
        lambda f, i: f.assign(Exited=f["Exited"].astype("float64").mask(f.index == i)),
        "Exited",
        "not_null",
    ),
]


@pytest.mark.parametrize(
    ("name", "sql", "plant", "column", "rule"), DEFECTS, ids=[d[0] for d in DEFECTS]
)
def test_bad_row_names_table_key_and_column_like_the_csv_names_its_line(
    crm: Crm, tmp_path: Path, capsys, name, sql, plant, column, rule
) -> None:
    row = 700
    cid = int(crm.frame.loc[row, contract.CUSTOMER_ID])
    snapshot = crm.frame.loc[row, contract.SNAPSHOT]
    url = _copy_db(crm, f"crm_{name}", sql.format(cid=cid))
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_bytes(to_csv_bytes(plant(crm.frame, row)))

    assert main(["data", "validate", str(bad_csv)]) == 2
    csv_err = capsys.readouterr().err.strip()
    assert f"line {row + 2} column {column!r} breaks rule {rule}" in csv_err

    out = str(tmp_path / "m")
    for argv in (
        ["data", "validate", url],
        ["train", "--model", "baseline", "--fast", "--data", url, "--out", out],
        ["report", "--fast", "--data", url, "--out", out, "--models-dir", out],
    ):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1, err
        expected = (
            f"table crm.customer_snapshot: row (customer_id={cid}, snapshot_date={snapshot}) "
            f"column {crm_db.db_column(column)!r} breaks rule {rule} (1 row"
        )
        assert expected in err, err
        assert READER_PASSWORD not in err
        assert READER not in err
    assert not (tmp_path / "m").exists()  # nothing written


def test_missing_table_and_refused_login_are_one_line(crm: Crm, capsys) -> None:
    empty = crm.server.create_database("crm_empty")
    assert main(["data", "validate", empty]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("breaks rule table_exists: no table crm.customer_snapshot; see `data load`")
    assert crm.server.password not in err

    wrong = crm.server.url("crm", READER, "not-the-password")
    assert main(["data", "validate", wrong]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "cannot connect" in err
    assert "not-the-password" not in err


def test_password_from_pgpassword(crm: Crm, monkeypatch, capsys) -> None:
    monkeypatch.setenv("PGPASSWORD", READER_PASSWORD)
    url = f"postgresql://{READER}@{crm.server.host}:{crm.server.port}/crm"
    assert main(["data", "validate", url]) == 0
    assert capsys.readouterr().out.startswith("OK: 1,200 rows")


def test_pipeline_reads_with_a_role_that_cannot_write(crm: Crm) -> None:
    import psycopg

    with (
        psycopg.connect(crm.reader_url) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute("DELETE FROM crm.customer_snapshot")
    # Even a role that may write reads in a read-only transaction.
    with (
        crm_db.connect(crm.admin_url, read_only=True) as conn,
        pytest.raises(psycopg.errors.ReadOnlySqlTransaction),
    ):
        conn.execute("DELETE FROM crm.customer_snapshot")


def test_load_refuses_a_second_copy_and_replace_reloads(crm: Crm, capsys) -> None:
    url = crm.server.create_database("crm_reload")
    assert main(["data", "load", str(crm.csv), "--into", url]) == 0
    capsys.readouterr()
    assert main(["data", "load", str(crm.csv), "--into", url]) == 2
    err = capsys.readouterr().err.strip()
    assert "already stored; use --replace" in err
    assert crm.server.password not in err
    assert crm.server.execute("SELECT count(*) FROM crm.customer_snapshot", "crm_reload") == [
        (1200,)
    ]
    assert main(["data", "load", str(crm.csv), "--into", url, "--replace"]) == 0
    assert crm.server.execute("SELECT count(*) FROM crm.customer_snapshot", "crm_reload") == [
        (1200,)
    ]


def _without_source(metrics: dict) -> dict:
    """Metrics minus the two fields that name where the rows came from."""
    provenance = {
        k: v for k, v in metrics["provenance"].items() if k not in ("data_source", "file")
    }
    return {**metrics, "provenance": provenance}


def test_training_on_the_database_gives_byte_identical_metrics_and_scores(
    crm: Crm, tmp_path: Path, capsys
) -> None:
    db_dir, csv_dir = tmp_path / "db", tmp_path / "csv"
    for data, out in ((crm.reader_url, db_dir), (str(crm.csv), csv_dir)):
        assert (
            main(["train", "--model", "baseline", "--fast", "--data", data, "--out", str(out)]) == 0
        )
    logs = capsys.readouterr()
    db_metrics = json.loads((db_dir / "metrics.json").read_text())
    csv_metrics = json.loads((csv_dir / "metrics.json").read_text())
    assert json.dumps(_without_source(db_metrics)) == json.dumps(_without_source(csv_metrics))
    assert db_metrics["provenance"]["data_source"] == "postgresql"
    assert csv_metrics["provenance"]["data_source"] == "file"
    # Same rows, same data hash: the same model version, whichever source it was trained on.
    assert db_metrics["model_version"] == csv_metrics["model_version"]

    model = str(db_dir / "model.joblib")
    for data, out in ((crm.reader_url, db_dir), (str(crm.csv), csv_dir)):
        assert (
            main(
                [
                    "evaluate",
                    "--model",
                    model,
                    "--fast",
                    "--data",
                    data,
                    "--out",
                    str(out / "eval.json"),
                ]
            )
            == 0
        )
        assert (
            main(
                [
                    "predict",
                    "--model",
                    model,
                    "--input",
                    data,
                    "--output",
                    str(out / "scores.csv"),
                    "--no-progress",
                ]
            )
            == 0
        )
    assert (db_dir / "scores.csv").read_bytes() == (csv_dir / "scores.csv").read_bytes()
    db_eval = json.loads((db_dir / "eval.json").read_text())
    csv_eval = json.loads((csv_dir / "eval.json").read_text())
    assert json.dumps(_without_source(db_eval)) == json.dumps(_without_source(csv_eval))
    assert db_eval["split"]["evaluated_rows"] == "test part of the training split"
    logs2 = capsys.readouterr()
    written = "".join(p.read_text() for p in db_dir.iterdir() if p.suffix in (".json", ".csv"))
    for text in (logs.out, logs.err, logs2.out, logs2.err, written):
        assert READER_PASSWORD not in text
        assert READER not in text


def test_the_database_url_can_come_from_the_settings(
    crm: Crm, tmp_path: Path, monkeypatch, capsys
) -> None:
    """BANKCHURN_DATA (bankchurn.settings) names the source when --data is not given."""
    url = _copy_db(crm, "crm_settings", "UPDATE crm.customer_snapshot SET age = 7 WHERE age = 40")
    monkeypatch.setenv("BANKCHURN_DATA", url)
    out = str(tmp_path / "m")
    assert main(["train", "--model", "baseline", "--fast", "--out", out]) == 2
    err = capsys.readouterr().err.strip()
    assert "/crm_settings table crm.customer_snapshot: row (" in err, err
    assert "column 'age' breaks rule in_range(18, 100)" in err, err
    assert READER_PASSWORD not in err


# (case, SQL planting it in row 700, column, rule): defects the CSV parser finds before any value
# is read, on lines of the COPY output; the table has no lines, so they name the row's key.
LINE_DEFECTS = [
    (
        "surname_too_long",
        "UPDATE crm.customer_snapshot SET surname = repeat('A', 200000) WHERE customer_id = {cid}",
        "surname",
        "max_length",
    ),
    (
        "surname_line_break",
        "UPDATE crm.customer_snapshot SET surname = E'Smith\\nJones \"J\"' WHERE customer_id = {cid}",
        "surname",
        "one_line",
    ),
]


@pytest.mark.parametrize(
    ("name", "sql", "column", "rule"), LINE_DEFECTS, ids=[d[0] for d in LINE_DEFECTS]
)
def test_a_defect_found_on_a_line_names_the_table_row_not_a_line(
    crm: Crm, tmp_path: Path, capsys, name, sql, column, rule
) -> None:
    """Before, the table's errors said "line 703" (of an export nobody wrote) and 'Surname'."""
    row = 700
    cid = int(crm.frame.loc[row, contract.CUSTOMER_ID])
    snapshot = crm.frame.loc[row, contract.SNAPSHOT]
    url = _copy_db(crm, f"crm_{name}", sql.format(cid=cid))
    expected = (
        f"table crm.customer_snapshot: row (customer_id={cid}, snapshot_date={snapshot}) "
        f"column {column!r} breaks rule {rule}"
    )
    assert main(["data", "validate", url]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert not re.search(r"line \d", err), err
    assert expected in err, err
    assert "(1 row fail)" in err, err
    # scoring streams the table in chunks (bankchurn predict): the same row is named
    with pytest.raises(ContractError) as caught:
        for _ in crm_db.iter_table(url, 300):
            pass
    assert expected in str(caught.value)


def test_a_null_key_is_shown_as_null(crm: Crm, capsys) -> None:
    """Before, a NULL customer_id was shown as ``customer_id=nan``."""
    url = _copy_db(
        crm,
        "crm_null_id",
        "UPDATE crm.customer_snapshot SET customer_id = NULL WHERE ctid = "
        "(SELECT ctid FROM crm.customer_snapshot ORDER BY snapshot_date, customer_id LIMIT 1)",
    )
    assert main(["data", "validate", url]) == 2
    err = capsys.readouterr().err.strip()
    assert "row (customer_id=NULL, snapshot_date=" in err, err
    assert "column 'customer_id' breaks rule not_null" in err, err
    assert "nan" not in err
