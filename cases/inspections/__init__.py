"""Inspections (监督检查) and their records: the record's door, its context, input checks, the
findings that open cases at signing, and the 一公开 publication of results."""
