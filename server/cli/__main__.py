"""`python -m server.cli …` is `hallq …` (the tests and benchmarks start servers so)."""

from server.cli import app

app()
