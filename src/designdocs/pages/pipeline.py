"""The training pipeline (DVC) and the CRM source on the site, drawn from the project's own files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from designdocs.reports import SiteDataError


def dag_mermaid(root: Path) -> str:
    """The pipeline's graph as DVC draws it (``dvc dag --mermaid``), in a Mermaid fence.

    Raises:
        SiteDataError: DVC fails or prints no flowchart.
    """
    dvc = Path(sys.executable).with_name("dvc")
    proc = subprocess.run(
        [str(dvc), "dag", "--mermaid"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if proc.returncode != 0 or not proc.stdout.startswith("flowchart"):
        raise SiteDataError(f"dvc dag --mermaid failed: {proc.stderr.strip()[-500:]}")
    return f"```mermaid\n{proc.stdout.strip()}\n```\n"


def _names(items: list[Any]) -> str:
    out = [next(iter(i)) if isinstance(i, dict) else str(i) for i in items]
    # The package files a stage imports (written from the import graph): counted, not listed.
    code = [n for n in out if n.startswith("src/bankchurn/")]
    shown = [f"`{n}`" for n in out if n not in code]
    if code:
        shown.insert(0, f"`src/bankchurn`: the {len(code)} modules its command imports")
    return "<br>".join(shown) or "-"


def stages_table(root: Path) -> str:
    """Each stage of ``dvc.yaml``: command, what it reads, its parameters, what it writes."""
    stages = yaml.safe_load((root / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    rows = [
        f"| `{name}` | `{' '.join(str(st['cmd']).split())}` | {_names(st.get('deps', []))} | "
        f"{_names(st.get('params', []))} | {_names(st.get('outs', []) + st.get('metrics', []))} |"
        for name, st in stages.items()
    ]
    head = "| Stage | Command | Reads | Parameters | Writes |\n|---|---|---|---|---|\n"
    return head + "\n".join(rows) + "\n"


def crm_table() -> str:
    """The CRM snapshot table (``bankchurn.crm_db``): column map, then the DDL that creates it."""
    from bankchurn import crm_db

    rows = [f"| `{c.name}` | `{c.sql_type}` | `{c.contract_name}` |" for c in crm_db.TABLE_COLUMNS]
    head = "| PostgreSQL column | Type | Contract column |\n|---|---|---|\n"
    return f"{head}{chr(10).join(rows)}\n\n```sql\n{crm_db.create_table_sql()}\n```\n"


def crm_constant(name: str) -> str:
    """A constant of ``bankchurn.crm_db`` (e.g. ``QUALIFIED_TABLE``) as inline code."""
    from bankchurn import crm_db

    if not hasattr(crm_db, name):
        raise SiteDataError(f"bankchurn.crm_db has no {name!r}")
    val = getattr(crm_db, name)
    if isinstance(val, tuple | list):
        return ", ".join(f"`{v}`" for v in val)
    return f"`{val}`"
