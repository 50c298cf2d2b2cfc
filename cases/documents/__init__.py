"""执法文书: every paper the procedure produces, rendered from the data the chain records.

- :mod:`.renderer` — the ``Renderer`` protocol (PDF/A now, OFD later) and the file's metadata;
- :mod:`.pdf` — the WeasyPrint PDF/A-2b renderer in GB/T 9704 layout; :mod:`.fonts` its faces;
- :mod:`.notice` (and one module per kind) — a row turned into the words a paper prints;
- :mod:`.issue` — a document made once, its SM3 digest on the case chain, its bytes kept;
- :mod:`.verify` — a file told to be ours and intact, or not.

docs/documents.md says why each choice was made.
"""
