"""One module per paper; each defines ``PAPER`` (key, citation) and ``CLAIMS``."""
