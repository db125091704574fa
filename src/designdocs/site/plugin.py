"""The MkDocs plugin ``designdocs``: publish what lives outside ``docs/`` and check the built site.

* ``adr/NNNN-*.md`` (edited with ``designdocs adr``) become pages under ``decisions/``, rendered
  by `designdocs.adr.render.render_page`, with the index from
  `designdocs.adr.render.render_index`; they are appended to the ``Decisions`` section of the nav.
* ``notebooks/*.ipynb`` become pages under ``notebooks/`` (rendered by mkdocs-jupyter from their
  stored outputs); list them in the nav as ``notebooks/NAME.ipynb``.
* One API-reference page per module of ``src/bankchurn`` (mkdocstrings), appended to the
  ``API reference`` section of the nav, so a new module is documented without editing the nav.
* After the build, `designdocs.checks.built_site.check_site` looks for broken links, dangling anchors
  and requests to other origins; each problem is a warning, which fails the strict build.

Registered as the ``designdocs`` entry point of ``mkdocs.plugins`` (``pyproject.toml``) and listed
last under ``plugins:`` in ``mkdocs.yml``.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from bankchurn.settings import settings
from designdocs.adr.parse import adr_files, read_adr
from designdocs.adr.render import render_index, render_page
from designdocs.checks.built_site import check_site

log = logging.getLogger("mkdocs.plugins.designdocs")

PACKAGE = "bankchurn"
DECISIONS_NAV = "Decisions"
REFERENCE_NAV = "API reference"
#: docs/ML_CANVAS.md and docs/ARCHITECTURE.md keep the names the design module asks for; their
#: URLs are lower-case like every other page.
LOWERCASE_URLS = {
    "ML_CANVAS.md": "ml-canvas/index.html",
    "ARCHITECTURE.md": "architecture/index.html",
}


# --------------------------------------------------------------------------- discovery


def notebook_files(nb_dir: Path | None = None) -> list[Path]:
    """Notebooks to publish, in name order."""
    return sorted((nb_dir or settings().notebooks_dir).glob("*.ipynb"))


def package_modules(src_dir: Path | None = None, package: str = PACKAGE) -> list[str]:
    """Public modules of the package (dotted names), packages before their modules.

    Private modules (``_x``), ``__main__`` and folders without ``__init__.py`` are skipped.
    """
    src_dir = src_dir or settings().root / "src"
    root = src_dir / package
    mods = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(src_dir).with_suffix("")
        parts = list(rel.parts)
        if any(p.startswith("_") and p != "__init__" for p in parts):
            continue
        if not all(
            (src_dir.joinpath(*parts[:i]) / "__init__.py").is_file() for i in range(1, len(parts))
        ):
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods.append(".".join(parts))
    return sorted(mods, key=lambda m: m.split("."))


def reference_uri(module: str) -> str:
    """Site path of a module's API-reference page."""
    return f"reference/{module}.md"


# --------------------------------------------------------------------------- nav


def _nav_paths(entries: list[Any]) -> set[str]:
    """Every page path in a (nested) nav list."""
    paths: set[str] = set()
    for e in entries:
        if isinstance(e, str):
            paths.add(e)
        elif isinstance(e, dict):
            for v in e.values():
                paths |= _nav_paths(v if isinstance(v, list) else [v])
    return paths


def reference_nav(modules: list[str]) -> list[Any]:
    """Nav entries of the API reference: modules, each subpackage as a nested section."""
    out: list[Any] = []
    groups: dict[str, list[str]] = {}
    for mod in modules:  # sorted: a subpackage comes before its modules
        parts = mod.split(".")
        if len(parts) >= 3 and ".".join(parts[:2]) in groups:
            groups[".".join(parts[:2])].append(reference_uri(mod))
        elif len(parts) == 2 and any(m.startswith(mod + ".") for m in modules):
            groups[mod] = [reference_uri(mod)]
            out.append({mod: groups[mod]})
        else:
            out.append(reference_uri(mod))
    return out


def _extend_section(nav: list[Any], title: str, entries: list[Any]) -> None:
    for i, item in enumerate(nav):
        if isinstance(item, dict) and title in item:
            value = item[title]
            section = list(value) if isinstance(value, list) else [value]
            listed = _nav_paths(section)
            section += [e for e in entries if not (_nav_paths([e]) & listed)]
            nav[i] = {title: section}
            return
    log.warning("nav has no %r section: %d generated pages are not in the nav", title, len(entries))


def generated_pages(config: MkDocsConfig) -> list[File]:
    """The ADR pages, the Decisions index, the notebooks and the API-reference pages."""
    cfg = settings()
    out = [
        File.generated(config, f"decisions/{path.name}", content=render_page(read_adr(path)))
        for path in adr_files(cfg.adr_dir)
    ]
    out.append(File.generated(config, "decisions/index.md", content=render_index(cfg.adr_dir)))
    for path in notebook_files():
        # A plain File rooted at the repository (not File.generated): mkdocs-jupyter wraps it in
        # a NotebookFile that re-derives abs_src_path from src_dir + src_uri, which a generated
        # file (src_dir None) cannot answer. The URI mirrors the folder: notebooks/NAME.ipynb.
        out.append(
            File(
                f"{path.parent.name}/{path.name}",
                src_dir=str(path.parent.parent),
                dest_dir=config.site_dir,
                use_directory_urls=config.use_directory_urls,
            )
        )
    for module in package_modules():
        # The module docstring (summary line included) is rendered by mkdocstrings itself.
        content = (
            f"# `{module}`\n\n"
            + f"::: {module}\n    options:\n      show_root_heading: false\n"
            + "      show_root_toc_entry: false\n"
        )
        out.append(File.generated(config, reference_uri(module), content=content))
    return out


# nbconvert's template loads MathJax and (for notebook mermaid) a mermaid ESM from CDNs; the
# notebooks need neither (diagrams live in Markdown pages), so the loaders are removed.
_NB_MATHJAX = re.compile(
    r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.DOTALL
)
_NB_MERMAID = re.compile(
    r'<script type="module">\s*document\.addEventListener\("DOMContentLoaded", async \(\) => '
    r'\{\s*const diagrams = document\.querySelectorAll\("\.jp-Mermaid > pre\.mermaid"\);.*?</script>',
    re.DOTALL,
)


class DesignDocsConfig(Config):
    """The plugin takes no options."""


class DesignDocsPlugin(BasePlugin[DesignDocsConfig]):
    """Publishes the records, notebooks and API reference; checks the built site."""

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        """Append every ADR and every module reference page to their nav sections."""
        if config.nav is not None:
            adrs = [f"decisions/{p.name}" for p in adr_files(settings().adr_dir)]
            _extend_section(config.nav, DECISIONS_NAV, adrs)
            _extend_section(config.nav, REFERENCE_NAV, reference_nav(package_modules()))
        return config

    @event_priority(100)  # before mkdocs-jupyter wraps .ipynb files, before mkdocstrings
    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        """Add the generated pages; give the two upper-case design documents lower-case URLs."""
        for file in generated_pages(config):
            files.append(file)
        for file in files:
            if file.src_uri in LOWERCASE_URLS:
                file.dest_uri = LOWERCASE_URLS[file.src_uri]
        return files

    @event_priority(100)  # before mkdocs-macros renders the page
    def on_page_markdown(
        self, markdown: str, page: Page, config: MkDocsConfig, files: Files
    ) -> str:
        """Notebooks: skip Markdown (diagram colours and sizes: docs/js/diagrams.js)."""
        if page.file.src_uri.endswith(".ipynb"):
            # mkdocs-jupyter renders from the .ipynb itself; its JSON must not reach Jinja.
            return ""
        return markdown

    def on_post_page(self, output: str, page: Page, config: MkDocsConfig) -> str:
        """Remove third-party loaders that nbconvert embeds in notebook pages."""
        if page.file.src_uri.endswith(".ipynb"):
            output = _NB_MATHJAX.sub("", output)
            output = _NB_MERMAID.sub("", output)
        return output

    def on_post_build(self, config: MkDocsConfig) -> None:
        """Check links, anchors and origins of the built site (each problem is a warning)."""
        for problem in check_site(config.site_dir):
            log.warning("site check: %s", problem)
