"""The C4 Component diagrams of docs/ARCHITECTURE.md agree with the package's real import graph.

A component whose technology field names a ``bankchurn`` module stands for that code. For every
pair of such components in one diagram, the diagram draws ``Rel(a, b)`` exactly when module ``a``
imports module ``b`` (directly; found by grimp, not by a hand-made parser). A named module that
does not exist is an error too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import grimp
import pytest

from bankchurn.settings import settings

ROOT = settings().root
ARCHITECTURE = ROOT / "docs" / "ARCHITECTURE.md"
PACKAGE = "bankchurn"

_FENCE = re.compile(r"```mermaid\n(.*?)```", re.DOTALL)
_ELEMENT = re.compile(
    r'^\s*(?:Component|ComponentDb|ComponentQueue)(?:_Ext)?\(\s*(\w+)\s*,\s*"[^"]*"\s*,\s*"([^"]*)"',
    re.MULTILINE,
)
_REL = re.compile(r"^\s*(?:Rel|BiRel|Rel_[A-Za-z]+)\(\s*(\w+)\s*,\s*(\w+)\s*,", re.MULTILINE)


@dataclass(frozen=True)
class ComponentDiagram:
    """One ``C4Component`` block: code components (alias -> module) and drawn relations."""

    title: str
    modules: dict[str, str]
    relations: frozenset[tuple[str, str]]


def component_diagrams(markdown: str) -> list[ComponentDiagram]:
    """Parse every C4Component Mermaid block of a Markdown page."""
    diagrams = []
    for block in _FENCE.findall(markdown):
        if not block.lstrip().startswith("C4Component"):
            continue
        title = re.search(r"^\s*title\s+(.*)$", block, re.MULTILINE)
        modules = {
            alias: tech.strip()
            for alias, tech in _ELEMENT.findall(block)
            if tech.strip().split(".")[0] == PACKAGE
        }
        relations = frozenset(
            (a, b) for a, b in _REL.findall(block) if a in modules and b in modules
        )
        diagrams.append(ComponentDiagram(title.group(1) if title else "?", modules, relations))
    return diagrams


def diagram_problems(diagram: ComponentDiagram, graph: grimp.ImportGraph) -> list[str]:
    """Differences between one diagram and the import graph, one readable line each."""
    problems = []
    known = graph.modules
    for alias, module in sorted(diagram.modules.items()):
        if module not in known:
            problems.append(f"{diagram.title}: {alias} names {module}, which does not exist")
    aliases = [a for a, m in diagram.modules.items() if m in known]
    for a in aliases:
        for b in aliases:
            if a == b:
                continue
            ma, mb = diagram.modules[a], diagram.modules[b]
            imports = _imports(graph, ma, mb, diagram)
            drawn = (a, b) in diagram.relations
            if imports and not drawn:
                problems.append(
                    f"{diagram.title}: code has {ma} -> {mb} but the diagram draws no Rel({a}, {b})"
                )
            if drawn and not imports:
                problems.append(
                    f"{diagram.title}: diagram draws Rel({a}, {b}) but {ma} does not import {mb}"
                )
    return problems


def _members(graph: grimp.ImportGraph, module: str, diagram: ComponentDiagram) -> set[str]:
    """The module and, for a package, its descendants not drawn as components of their own.

    A package component (e.g. ``bankchurn.cli``) stands for all of its submodules.
    """
    others = set(diagram.modules.values()) - {module}
    members = {module}
    for child in graph.find_descendants(module):
        if not any(child == o or child.startswith(o + ".") for o in others):
            members.add(child)
    return members


def _imports(graph: grimp.ImportGraph, ma: str, mb: str, diagram: ComponentDiagram) -> bool:
    targets = _members(graph, mb, diagram)
    return any(
        graph.find_modules_directly_imported_by(src) & targets
        for src in _members(graph, ma, diagram)
    )


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(PACKAGE, exclude_type_checking_imports=True, cache_dir=None)


def test_architecture_page_has_component_diagrams() -> None:
    diagrams = component_diagrams(ARCHITECTURE.read_text(encoding="utf-8"))
    assert diagrams, "docs/ARCHITECTURE.md has no C4Component diagram"
    assert all(d.modules for d in diagrams), "a C4Component diagram names no bankchurn module"


def test_component_diagrams_match_import_graph(graph: grimp.ImportGraph) -> None:
    problems = [
        p
        for d in component_diagrams(ARCHITECTURE.read_text(encoding="utf-8"))
        for p in diagram_problems(d, graph)
    ]
    assert not problems, "\n".join(problems)


_BROKEN = """
```mermaid
C4Component
  title broken copy
  Container_Boundary(pkg, "bankchurn") {
    Component(contract, "Data contract", "bankchurn.contract", "COLUMNS")
    Component(validation, "Validation", "bankchurn.validation", "pandera")
    Component(ghost, "Ghost", "bankchurn.does_not_exist", "nothing")
  }
  Rel(contract, validation, "wrong way round")
```
"""


def test_check_fails_on_a_broken_diagram(graph: grimp.ImportGraph) -> None:
    """The check itself can fail: wrong direction, missing edge and a ghost module are all caught."""
    (diagram,) = component_diagrams(_BROKEN)
    problems = "\n".join(diagram_problems(diagram, graph))
    assert "bankchurn.does_not_exist, which does not exist" in problems
    assert "draws Rel(contract, validation) but bankchurn.contract does not import" in problems
    assert "code has bankchurn.validation -> bankchurn.contract" in problems
