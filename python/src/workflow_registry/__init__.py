"""workflow_registry for orchestrator-core's users.

- ``workflow_registry.helpers``: orchestrator-core's migration helpers, with
  the registry's part done by the extension (a one-line import change);
- ``workflow_registry.registry``: the extension's functions from Python;
- ``workflow_registry.cli``: ``check``, ``plan`` and ``sync``, alone or
  mounted into an orchestrator-core application's CLI.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("workflow-registry")
except PackageNotFoundError:  # imported from a source tree
    __version__ = "0"

__all__ = ["__version__"]
