"""`python -m mde_indicators` runs the CLI."""

from .cli import main

main()
