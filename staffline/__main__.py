"""`python -m staffline` runs the CLI."""

from staffline.cli import main

main()
