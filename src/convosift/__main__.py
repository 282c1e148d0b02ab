"""``python -m convosift``: the same command line as the ``convosift`` script."""

from convosift.cli import main

main()
