"""The diagrams of docs/ARCHITECTURE.md agree with the package's real import graph and conventions.

A component whose technology field names a ``bankchurn`` module stands for that code. For every
pair of such components in one diagram, the diagram draws ``Rel(a, b)`` exactly when module ``a``
imports module ``b`` (directly; found by grimp, not by a hand-made parser). A named module that
does not exist is an error too. Every module of the package is drawn in some component diagram or
listed in the page's "Not drawn" table with a reason. An import between two drawn modules that
no diagram shows together is listed in the page's "Imports drawn in no diagram" table with a
reason. The arrow convention of each level, stated
on the page, is checked: at the context and container levels a data store never acts (no arrow
starts at one); in a data flow, data enters only from a store (cylinder) or an input (flag).
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
#: A two-way arrow stands for an import each way.
_BIREL = re.compile(r"^\s*BiRel\(\s*(\w+)\s*,\s*(\w+)\s*,", re.MULTILINE)
#: Any C4 element (person, system, container, component; external or not) and its kind.
_C4_ELEMENT = re.compile(
    r"^\s*((?:Person|System|Container|Component)(?:Db|Queue)?(?:_Ext)?)\(\s*(\w+)\s*,", re.MULTILINE
)
_NOT_DRAWN = re.compile(r"^### Not drawn\n(.*?)(?=^#)", re.MULTILINE | re.DOTALL)
_ACROSS = re.compile(r"^### Imports drawn in no diagram\n(.*?)(?=^#)", re.MULTILINE | re.DOTALL)
_ACROSS_ROW = re.compile(
    r"^\|\s*`([\w.]+)`\s*(?:→|->)\s*`([\w.]+)`\s*\|\s*(.*?)\s*\|\s*$", re.MULTILINE
)
_NOT_DRAWN_ROW = re.compile(r"^\|\s*`([\w.]+)`\s*\|\s*(.*?)\s*\|\s*$", re.MULTILINE)
#: A flowchart edge: ``A --> B`` or ``A -- "label" --> B`` (chains of them on one line).
_FLOW_ARROW = re.compile(r'\s*(?:--\s*"[^"]*"\s*-->|-->)\s*')
_FLOW_NODE = re.compile(r"^\s*(\w+)\s*(\[\(|>|\[|\(|\{)?")


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
        pairs = _REL.findall(block) + [(b, a) for a, b in _BIREL.findall(block)]
        relations = frozenset((a, b) for a, b in pairs if a in modules and b in modules)
        diagrams.append(ComponentDiagram(title.group(1) if title else "?", modules, relations))
    return diagrams


def c4_blocks(markdown: str) -> list[str]:
    """Every C4 Mermaid block (any level) of a Markdown page."""
    return [b for b in _FENCE.findall(markdown) if b.lstrip().startswith("C4")]


def store_problems(block: str) -> list[str]:
    """Arrows that start at a data store, which the convention 'A acts on B' forbids."""
    kinds = dict((alias, kind) for kind, alias in _C4_ELEMENT.findall(block))
    title = re.search(r"^\s*title\s+(.*)$", block, re.MULTILINE)
    name = title.group(1) if title else "?"
    return [
        f"{name}: Rel({a}, {b}) starts at the data store {a} ({kinds[a]}): "
        "a store does not act; draw the arrow from the one who reads or writes it"
        for a, b in _REL.findall(block)
        if "Db" in kinds.get(a, "")
    ]


_BOUNDARY = re.compile(r"^\s*(?:\w+_)?Boundary\(\s*(\w+)\s*,", re.MULTILINE)


def dangling_problems(block: str) -> list[str]:
    """Arrows whose end is no element of their diagram (Mermaid then draws nothing, silently)."""
    declared = {alias for _, alias in _C4_ELEMENT.findall(block)} | set(_BOUNDARY.findall(block))
    title = re.search(r"^\s*title\s+(.*)$", block, re.MULTILINE)
    name = title.group(1) if title else "?"
    return [
        f"{name}: Rel({a}, {b}) names {end}, which the diagram does not declare"
        for a, b in _REL.findall(block)
        for end in (a, b)
        if end not in declared
    ]


def data_flow_problems(block: str) -> list[str]:
    """Nodes of a flowchart where data appears from nowhere: no arrow in, and not a store or input."""
    shapes: dict[str, str] = {}
    targets: set[str] = set()
    for line in block.splitlines()[1:]:
        if re.match(r"^\s*(subgraph|end\b|direction|classDef|class |style |%%)", line):
            continue
        parts = [p for p in _FLOW_ARROW.split(line) if p.strip()]
        ids = []
        for part in parts:
            node = _FLOW_NODE.match(part)
            if node is None:
                continue
            ids.append(node.group(1))
            if node.group(2):
                shapes.setdefault(node.group(1), node.group(2))
        targets.update(ids[1:])
    return [
        f"data-flow node {node} has no arrow in and is neither a store [(...)] nor an input >...]"
        for node, shape in sorted(shapes.items())
        if node not in targets and shape not in ("[(", ">")
    ]


def not_drawn(markdown: str) -> dict[str, str]:
    """The page's "Not drawn" table: module -> reason."""
    section = _NOT_DRAWN.search(markdown + "\n#")
    return dict(_NOT_DRAWN_ROW.findall(section.group(1))) if section else {}


def imports_across(markdown: str) -> dict[tuple[str, str], str]:
    """The page's "Imports drawn in no diagram" table: (importer, imported) -> reason."""
    section = _ACROSS.search(markdown + "\n#")
    if not section:
        return {}
    return {(a, b): why for a, b, why in _ACROSS_ROW.findall(section.group(1))}


def across_problems(
    diagrams: list[ComponentDiagram],
    excused: dict[tuple[str, str], str],
    graph: grimp.ImportGraph,
) -> list[str]:
    """Imports between drawn modules that no diagram can show, and not listed with a reason.

    An import between two modules that appear together in a diagram is an arrow there (checked
    per diagram); when no diagram shows both, the import is listed in the page's table instead.
    """
    drawn = sorted({m for d in diagrams for m in d.modules.values() if m in graph.modules})
    everything = ComponentDiagram("all", {m: m for m in drawn}, frozenset())
    together = {(a, b) for d in diagrams for a in d.modules.values() for b in d.modules.values()}
    needed = {
        (a, b)
        for a in drawn
        for b in drawn
        if a != b and (a, b) not in together and _imports(graph, a, b, everything)
    }
    problems = [
        f"code has {a} -> {b}; no diagram shows both, and the 'Imports drawn in no diagram' "
        "table does not list it"
        for a, b in sorted(needed - set(excused))
    ]
    for (a, b), why in sorted(excused.items()):
        if (a, b) in together:
            problems.append(
                f"'Imports drawn in no diagram' lists {a} -> {b}, but a diagram shows both"
            )
        elif (a, b) not in needed:
            problems.append(
                f"'Imports drawn in no diagram' lists {a} -> {b}, which is not an import "
                "between two drawn modules"
            )
        if not why:
            problems.append(f"'Imports drawn in no diagram' lists {a} -> {b} without a reason")
    return problems


def coverage_problems(
    diagrams: list[ComponentDiagram], excused: dict[str, str], graph: grimp.ImportGraph
) -> list[str]:
    """Modules neither drawn nor excused; excuses that name no module, give no reason, or are drawn."""
    drawn = {m for d in diagrams for m in d.modules.values()}
    problems = [
        f"'Not drawn' lists {m}, which does not exist" for m in excused if m not in graph.modules
    ]
    problems += [f"'Not drawn' lists {m} without a reason" for m, why in excused.items() if not why]
    problems += [f"'Not drawn' lists {m}, but a diagram draws it" for m in excused if m in drawn]
    for module in sorted(graph.modules):
        # A drawn or excused package covers its submodules; the root package covers only itself.
        covers = (drawn | set(excused)) - {PACKAGE}
        inside = module == PACKAGE and PACKAGE in excused
        inside = inside or any(module == c or module.startswith(c + ".") for c in covers)
        has_drawn_parts = any(d.startswith(module + ".") for d in drawn)
        if not inside and not has_drawn_parts:
            problems.append(f"{module} is in no component diagram and not in the 'Not drawn' table")
    return problems


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


def test_every_arrow_joins_elements_of_its_diagram() -> None:
    markdown = ARCHITECTURE.read_text(encoding="utf-8")
    problems = [p for block in c4_blocks(markdown) for p in dangling_problems(block)]
    assert not problems, "\n".join(problems)


def test_an_arrow_to_an_undeclared_element_is_caught() -> None:
    """A ``Rel`` naming an alias the diagram never declares passed the import check unnoticed."""
    (block,) = c4_blocks(_BROKEN.replace("Rel(contract, validation", "Rel(contract, schemas"))
    assert dangling_problems(block) == [
        "broken copy: Rel(contract, schemas) names schemas, which the diagram does not declare"
    ]
    (block,) = c4_blocks(_BROKEN)
    assert dangling_problems(block) == []


def test_every_module_is_drawn_or_listed_as_not_drawn(graph: grimp.ImportGraph) -> None:
    markdown = ARCHITECTURE.read_text(encoding="utf-8")
    excused = not_drawn(markdown)
    assert excused, "docs/ARCHITECTURE.md has no '### Not drawn' table"
    problems = coverage_problems(component_diagrams(markdown), excused, graph)
    assert not problems, "\n".join(problems)


def test_an_undrawn_module_is_caught(graph: grimp.ImportGraph) -> None:
    markdown = ARCHITECTURE.read_text(encoding="utf-8")
    planted = re.sub(r'^.*"bankchurn\.scoring".*\n', "", markdown, flags=re.MULTILINE)
    problems = coverage_problems(component_diagrams(planted), not_drawn(planted), graph)
    assert "bankchurn.scoring is in no component diagram" in "\n".join(problems)
    excuses = {**not_drawn(markdown), "bankchurn.ghost": "gone", "bankchurn.cli": ""}
    problems = "\n".join(coverage_problems(component_diagrams(markdown), excuses, graph))
    assert "lists bankchurn.ghost, which does not exist" in problems
    assert "lists bankchurn.cli without a reason" in problems
    assert "lists bankchurn.cli, but a diagram draws it" in problems


def test_imports_between_diagrams_are_drawn_or_listed(graph: grimp.ImportGraph) -> None:
    markdown = ARCHITECTURE.read_text(encoding="utf-8")
    excused = imports_across(markdown)
    assert excused, "docs/ARCHITECTURE.md has no '### Imports drawn in no diagram' table"
    problems = across_problems(component_diagrams(markdown), excused, graph)
    assert not problems, "\n".join(problems)


def test_an_import_drawn_nowhere_is_caught(graph: grimp.ImportGraph) -> None:
    markdown = ARCHITECTURE.read_text(encoding="utf-8")
    diagrams = component_diagrams(markdown)
    excused = imports_across(markdown)
    dropped = next(iter(excused))
    problems = "\n".join(
        across_problems(diagrams, {k: v for k, v in excused.items() if k != dropped}, graph)
    )
    assert f"code has {dropped[0]} -> {dropped[1]}; no diagram shows both" in problems
    planted = {
        **excused,
        ("bankchurn.crm_db", "bankchurn.cbpe"): "no such import",
        ("bankchurn.scoring", "bankchurn.validation"): "drawn after all",
        dropped: "",
    }
    problems = "\n".join(across_problems(diagrams, planted, graph))
    assert "lists bankchurn.crm_db -> bankchurn.cbpe, which is not an import" in problems
    assert "lists bankchurn.scoring -> bankchurn.validation, but a diagram shows both" in problems
    assert f"lists {dropped[0]} -> {dropped[1]} without a reason" in problems


def test_no_arrow_starts_at_a_data_store() -> None:
    problems = [
        p for b in c4_blocks(ARCHITECTURE.read_text(encoding="utf-8")) for p in store_problems(b)
    ]
    assert not problems, "\n".join(problems)


def _planted(line: str, replacement: str) -> str:
    """The page with one line replaced: the planted defect (fails when the line is gone)."""
    markdown = ARCHITECTURE.read_text(encoding="utf-8")
    planted = markdown.replace(line, replacement)
    assert planted != markdown, f"docs/ARCHITECTURE.md no longer has {line!r} to plant a defect in"
    return planted


def test_an_arrow_from_a_store_is_caught() -> None:
    planted = _planted(
        'Rel(job, artifact, "Loads at start")',
        'Rel(artifact, job, "Loaded at start")',
    )
    problems = [p for b in c4_blocks(planted) for p in store_problems(b)]
    assert any("Rel(artifact, job) starts at the data store" in p for p in problems), problems


def _flowcharts(markdown: str) -> list[str]:
    return [b for b in _FENCE.findall(markdown) if b.lstrip().startswith(("flowchart", "graph"))]


def test_data_flows_start_at_stores_or_inputs() -> None:
    flows = _flowcharts(ARCHITECTURE.read_text(encoding="utf-8"))
    assert flows, "docs/ARCHITECTURE.md draws no data flow"
    problems = [p for b in flows for p in data_flow_problems(b)]
    assert not problems, "\n".join(problems)


def test_a_reversed_data_flow_is_caught() -> None:
    planted = _planted(
        'MET -- "scraped" --> PROM["Prometheus: alert rules"]',
        'PROM["Prometheus: alert rules"] -- "scrapes" --> MET',
    )
    problems = [p for b in _flowcharts(planted) for p in data_flow_problems(b)]
    assert any("node PROM has no arrow in" in p for p in problems), problems


def test_the_batch_flow_shows_what_scoring_does(graph: grimp.ImportGraph) -> None:
    """Scoring validates and pseudonymises (it imports both): the batch data flow must show it."""
    imported = graph.find_modules_directly_imported_by("bankchurn.scoring")
    assert {"bankchurn.validation", "bankchurn.privacy"} <= imported
    batch = next(
        (b for b in _flowcharts(ARCHITECTURE.read_text(encoding="utf-8")) if "Batch" in b), ""
    )
    assert re.search(r"\bvalidate\b", batch), batch
    assert re.search(r"\bpseudonymise\b", batch), batch
