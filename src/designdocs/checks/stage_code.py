"""The code each DVC stage depends on, derived from the import graph (dvc.yaml's code deps).

A stage's command (``bankchurn data generate ...``) runs one function of the CLI. The package
modules it can import are:

* the module-level imports of the CLI package and of every command module (the entry point
  imports only the command table and the module of the command that runs, ADR-0032; counting
  them all keeps a stage's deps a superset, so a change to the CLI reruns it rather than not);
* the imports inside that function and inside the functions of its module it calls, and the
  same for the entry point (``bankchurn.cli:main``), which runs first;
* everything those modules import in turn, from grimp's graph of the package (imports inside
  functions included, ``if TYPE_CHECKING:`` ones excluded), and every parent package.

dvc.yaml lists exactly those files as the stage's ``src/bankchurn/...`` deps, so editing a module
a stage cannot import (the API, the image builder) reruns none of it, and editing one it can
reruns it. The lists are written by this module, never by hand: ``make reports`` runs it with
``--write`` before ``dvc repro``, and a test fails when dvc.yaml and the graph disagree.

Usage::

    python -m designdocs.checks.stage_code          # exit 1 naming each difference
    python -m designdocs.checks.stage_code --write  # rewrite dvc.yaml's code deps
"""

from __future__ import annotations

import argparse
import ast
import importlib
import pkgutil
import re
import shlex
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml

from bankchurn.atomic import atomic_write_text

PACKAGE = "bankchurn"
CLI = f"{PACKAGE}.cli"
#: The function of `CLI` the ``bankchurn`` script calls (pyproject.toml, [project.scripts]).
ENTRY_POINT = "main"
#: How dvc.yaml names the package's files, relative to the repository root.
CODE_DIR = f"src/{PACKAGE}"
_CODE_DEP = re.compile(rf"^(\s*)- {re.escape(CODE_DIR)}(/\S*)?\s*$")


def _commands() -> dict[tuple[str, ...], Callable[..., Any]]:
    """Every command of the ``bankchurn`` CLI by its words (``("data", "generate")``)."""
    cli = importlib.import_module(CLI)
    found: dict[tuple[str, ...], Callable[..., Any]] = {}

    def walk(app: Any, prefix: tuple[str, ...]) -> None:
        for command in app.registered_commands:
            name = command.name or command.callback.__name__.replace("_", "-")
            found[(*prefix, name)] = command.callback
        for group in app.registered_groups:
            walk(group.typer_instance, (*prefix, group.name or group.typer_instance.info.name))

    for info in pkgutil.iter_modules(cli.__path__):
        module = importlib.import_module(f"{CLI}.{info.name}")
        if hasattr(module, "app"):  # a command module declares its commands on its own app
            walk(module.app, ())
    return found


def command_of(cmd: str) -> Callable[..., Any]:
    """The CLI function a stage's ``cmd`` runs.

    Raises:
        ValueError: ``cmd`` is not a ``bankchurn`` command this CLI has.
    """
    words = shlex.split(cmd)
    if not words or words[0] != PACKAGE:
        raise ValueError(f"not a {PACKAGE} command: {cmd!r}")
    commands = _commands()
    for n in range(len(words) - 1, 0, -1):
        if tuple(words[1 : n + 1]) in commands:
            return commands[tuple(words[1 : n + 1])]
    raise ValueError(f"no such {PACKAGE} command: {cmd!r}")


def _source_file(src: Path, module: str) -> Path | None:
    """The file of ``module`` below ``src`` (a module or a package's ``__init__``)."""
    base = src.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported(node: ast.Import | ast.ImportFrom, modules: set[str]) -> set[str]:
    """The package modules one import statement loads (``from a import b``: ``a.b`` if a module)."""
    if isinstance(node, ast.Import):
        names = {alias.name for alias in node.names}
    elif node.level or node.module is None:
        return set()  # the package uses absolute imports only
    else:
        names = {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    out = set()
    for name in names:
        parts = name.split(".")
        for i in range(len(parts), 0, -1):  # `import a.b.c` loads a, a.b and a.b.c
            if ".".join(parts[:i]) in modules:
                out.add(".".join(parts[:i]))
    return out


class _ModuleLevel(ast.NodeVisitor):
    """Import statements that run when a module is imported (not those inside functions)."""

    def __init__(self) -> None:
        self.nodes: list[ast.Import | ast.ImportFrom] = []

    def visit_Import(self, node: ast.Import) -> None:  # noqa: N802  (ast's naming)
        self.nodes.append(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:  # noqa: N802
        self.nodes.append(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:  # noqa: N802
        pass

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:  # noqa: N802
        pass

    def visit_If(self, node: ast.If) -> None:  # noqa: N802
        if not (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
            self.generic_visit(node)


def _tree(src: Path, module: str) -> ast.Module:
    path = _source_file(src, module)
    assert path is not None, module
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _module_level_imports(src: Path, module: str, modules: set[str]) -> set[str]:
    visitor = _ModuleLevel()
    visitor.visit(_tree(src, module))
    return set().union(*(_imported(node, modules) for node in visitor.nodes))


def _function_imports(src: Path, module: str, function: str, modules: set[str]) -> set[str]:
    """Imports inside ``function`` and inside the functions of its module it names, in turn."""
    functions = {
        node.name: node
        for node in _tree(src, module).body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    todo, seen, out = [function], set(), set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for node in ast.walk(functions[name]):
            if isinstance(node, ast.Import | ast.ImportFrom):
                out |= _imported(node, modules)
            elif isinstance(node, ast.Name) and node.id in functions:
                todo.append(node.id)  # called, or passed as a callback
    return out


def _parents(module: str) -> set[str]:
    parts = module.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts) + 1)}


def stage_modules(cmd: str, src: Path, graph: Any = None) -> set[str]:
    """The package modules a stage's command can import (see the module's docstring).

    Args:
        cmd: The stage's command line (``bankchurn ...``).
        src: The folder holding the package (``src``).
        graph: grimp's import graph of the package (built when omitted).
    """
    if graph is None:
        import grimp

        graph = grimp.build_graph(PACKAGE, exclude_type_checking_imports=True, cache_dir=None)
    modules = set(graph.modules)
    function = command_of(cmd)
    cli_modules = {m for m in modules if m == CLI or m.startswith(f"{CLI}.")}
    reached = set(cli_modules)
    for module in cli_modules:
        reached |= _module_level_imports(src, module, modules)
    reached |= _function_imports(src, CLI, ENTRY_POINT, modules)
    reached |= _function_imports(src, function.__module__, function.__name__, modules)
    todo = [m for m in reached if m not in cli_modules]
    while todo:  # the library modules: every import counts
        for imported in graph.find_modules_directly_imported_by(todo.pop()):
            if imported not in reached:
                reached.add(imported)
                if imported not in cli_modules:
                    todo.append(imported)
    return set().union(*(_parents(m) for m in reached))


def code_deps(modules: Iterable[str], src: Path, root: Path) -> list[str]:
    """The files of ``modules`` as dvc.yaml names them (``src/bankchurn/...``), sorted."""
    files = []
    for module in modules:
        path = _source_file(src, module)
        assert path is not None, module
        files.append(path.relative_to(root).as_posix())
    return sorted(files)


def expected_deps(root: Path) -> dict[str, list[str]]:
    """Each ``bankchurn`` stage of ``root/dvc.yaml`` and the code files it depends on."""
    import grimp

    graph = grimp.build_graph(PACKAGE, exclude_type_checking_imports=True, cache_dir=None)
    src = root / "src"
    stages = yaml.safe_load((root / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    return {
        name: code_deps(stage_modules(str(stage["cmd"]), src, graph), src, root)
        for name, stage in stages.items()
        if str(stage["cmd"]).split()[:1] == [PACKAGE]
    }


def _declared(stage: dict[str, Any]) -> list[str]:
    deps = [next(iter(d)) if isinstance(d, dict) else str(d) for d in stage.get("deps", [])]
    return [d for d in deps if d == CODE_DIR or d.startswith(f"{CODE_DIR}/")]


def problems(root: Path) -> list[str]:
    """One line per stage whose code deps in dvc.yaml differ from its imports; empty if none."""
    stages = yaml.safe_load((root / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    out = []
    for name, want in expected_deps(root).items():
        have = _declared(stages[name])
        missing, extra = sorted(set(want) - set(have)), sorted(set(have) - set(want))
        if missing or extra:
            said = [f"imports {', '.join(missing)} unlisted"] if missing else []
            said += [f"lists {', '.join(extra)}, which it cannot import"] if extra else []
            out.append(
                f"dvc.yaml stage {name}: {'; '.join(said)} (the import graph decides: run "
                "`make reports`, which rewrites the code deps, and commit dvc.yaml and dvc.lock)"
            )
    return out


def rewrite(text: str, deps: dict[str, list[str]]) -> str:
    """dvc.yaml's text with each stage's code deps replaced by ``deps`` (the rest kept as is)."""
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    stage: str | None = None
    in_deps = False
    written: set[str] = set()
    for line in lines:
        header = re.match(r"^  (\w+):\s*$", line)
        if header:
            stage, in_deps = header.group(1), False
        elif stage is not None and re.match(r"^    deps:\s*$", line):
            in_deps = True
            out.append(line)
            continue
        elif in_deps and not re.match(r"^(      |\s*$|\s*#)", line):
            in_deps = False
        code = _CODE_DEP.match(line)
        if in_deps and stage in deps and code:
            if stage not in written:
                out += [f"{code.group(1)}- {path}\n" for path in deps[stage]]
                written.add(stage)
            continue
        out.append(line)
    missed = set(deps) - written
    if missed:
        raise ValueError(
            f"dvc.yaml: no code deps to replace in stage(s) {', '.join(sorted(missed))}"
        )
    return "".join(out)


def main(argv: list[str] | None = None) -> int:
    """Check dvc.yaml's code deps against the import graph, or rewrite them (``--write``)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--write", action="store_true", help="rewrite dvc.yaml's code deps")
    ap.add_argument("--root", type=Path, default=Path.cwd(), help="repository root")
    args = ap.parse_args(argv)
    dvc_yaml = args.root / "dvc.yaml"
    if args.write:
        text = dvc_yaml.read_text(encoding="utf-8")
        new = rewrite(text, expected_deps(args.root))
        if new != text:
            atomic_write_text(dvc_yaml, new)
            print(f"{dvc_yaml}: code deps rewritten from the import graph")
        return 0
    found = problems(args.root)
    for line in found:
        print(line, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
