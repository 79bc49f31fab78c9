"""`python -m harvester` is `kb`, for environments where the console script is not on PATH."""

from harvester.cli import main

main()
