"""The ``oversight`` command line: one module per command group, ``main`` in :mod:`web.cli.main`."""
