"""`python -m staffline` runs the CLI."""

from .cli import main

main()
