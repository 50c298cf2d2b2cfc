"""Accounts (账号与安全): passwords, lock-outs, TOTP, sign-in, API tokens, the three separated
administrators' work (三员分立) and the audit log — the domain the web sign-in pages and the
command line's ``signed_in`` stand on. Time is always passed in (``now``), never read here."""
