"""``python -m bankchurn`` runs the CLI."""

import sys

from bankchurn.cli import main

sys.exit(main())
