# The application as orchestrator-core's documentation has its users write it:
# the FastAPI app, its GraphQL endpoint, and its CLI (db init, revision,
# upgrade) when run as a script.  Settings come from the environment
# (DATABASE_URI, TRANSLATIONS_DIR, OAUTH2_ACTIVE, ...).  The registry's
# commands mount into that CLI: `python main.py registry check`.
from orchestrator import OrchestratorCore
from orchestrator.cli.main import app as core_cli
from orchestrator.settings import AppSettings
from workflow_registry.cli import app as registry_cli

import workflows  # noqa: F401  the LazyWorkflowInstances

app = OrchestratorCore(base_settings=AppSettings())
app.register_graphql()

core_cli.add_typer(registry_cli, name="registry")

if __name__ == "__main__":
    core_cli()
