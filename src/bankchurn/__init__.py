"""BankChurn Predictor: reference implementation of the design documented in this repository.

Importing the package imports nothing else: the ``bankchurn`` command installs its signal
handlers right after (ADR-0032), and ``__version__`` is read from the installed metadata only
when asked for.
"""

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    """``bankchurn.__version__``, read on first use (``importlib.metadata`` is slow to import)."""
    if name != "__version__":
        raise AttributeError(f"module 'bankchurn' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("bankchurn")
    except PackageNotFoundError:  # running from a source tree without an install
        return "0.0.0"
