"""`python -m mde_indicators.cli` runs the CLI."""

from . import main

main()
