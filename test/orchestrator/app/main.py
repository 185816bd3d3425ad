# The application as orchestrator-core's documentation has its users write it:
# the FastAPI app, its GraphQL endpoint, and its CLI (db init, revision,
# upgrade) when run as a script.  Settings come from the environment
# (DATABASE_URI, TRANSLATIONS_DIR, OAUTH2_ACTIVE, ...).
from orchestrator import OrchestratorCore
from orchestrator.cli.main import app as core_cli
from orchestrator.settings import AppSettings

import workflows  # noqa: F401  the LazyWorkflowInstances

app = OrchestratorCore(base_settings=AppSettings())
app.register_graphql()

if __name__ == "__main__":
    core_cli()
