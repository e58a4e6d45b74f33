"""`python -m cli` runs the `handoff` command line."""

from cli import main

main()
