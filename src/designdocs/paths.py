"""How the toolkit shows a path to its reader: relative to a folder when the path is inside it."""

from __future__ import annotations

from pathlib import Path


def shown(path: Path, base: Path | None = None) -> str:
    """``path`` relative to ``base`` (the working directory by default) when inside it, else as given.

    Both are resolved first, so a relative path and an absolute one (or one through a symlink)
    show the same way. Separators are ``/``: the text goes into pages and one-line messages.

    Args:
        path: The file or folder to show.
        base: The folder it is shown relative to; None for the working directory.

    Returns:
        The path as the reader sees it.
    """
    folder = (Path.cwd() if base is None else base).resolve()
    try:
        return path.resolve().relative_to(folder).as_posix()
    except ValueError:
        return path.as_posix()
