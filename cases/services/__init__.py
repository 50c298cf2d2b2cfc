"""Service functions: the only places the domain changes (verb-named, actor explicit)."""
