"""``python -m web.cli``: the same command as ``oversight``."""

from web.cli.main import main

main()
