"""The worked claim file, installed as package ``verify.examples`` (pyproject.toml maps it here):
``importlib.resources.files("verify.examples") / "claims.toml"``."""
