"""A reviewer's own claims: TOML claim files, parsed into specs and checked by generic checks."""
