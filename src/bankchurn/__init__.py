"""BankChurn Predictor: reference implementation of the design documented in this repository."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("bankchurn")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0"

__all__ = ["__version__"]
