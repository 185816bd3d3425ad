"""``python -m workflow_registry``: the command line of ``workflow_registry.cli``."""

from workflow_registry.cli import app

app(prog_name="python -m workflow_registry")
