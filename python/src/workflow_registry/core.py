"""Where orchestrator-core keeps what the package builds on.

orchestrator-core 4.x is the package ``orchestrator``; 5.x moved everything to
``orchestrator.core`` (``orchestrator`` became a namespace package).  Every
lookup tries 5.x's name first, then 4.x's, so one installed wheel of this
package serves both.
"""

from __future__ import annotations

import importlib
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from types import ModuleType
from typing import Any

_PREFIXES = ("orchestrator.core", "orchestrator")


class OrchestratorCoreMissing(ImportError):
    """orchestrator-core is not installed where a helper needs it."""


def _import(suffix: str) -> ModuleType:
    errors = []
    for prefix in _PREFIXES:
        name = f"{prefix}.{suffix}"
        try:
            return importlib.import_module(name)
        except ModuleNotFoundError as exc:
            # Only a missing orchestrator-core module moves on; an import
            # error inside orchestrator-core itself is the caller's to see.
            if exc.name is None or not name.startswith(exc.name):
                raise
            errors.append(name)
    raise OrchestratorCoreMissing(
        f"orchestrator-core is not installed: none of {', '.join(errors)} can be imported"
        " (pip install orchestrator-core, 4.8 or 5.x)"
    )


@cache
def helpers_module() -> ModuleType:
    """orchestrator-core's ``migrations.helpers`` (4.x or 5.x)."""
    return _import("migrations.helpers")


@cache
def core_version() -> tuple[int, ...]:
    """The installed orchestrator-core's release as a tuple, () without one."""
    try:
        release = version("orchestrator-core")
    except PackageNotFoundError:
        return ()
    return tuple(int(part) for part in release.split(".")[:3] if part.isdigit())


def compares_descriptions() -> bool:
    """Whether orchestrator-core's nightly check compares descriptions.

    4.x's ``task_validate_products`` compares each workflow's description
    with the code's; 5.x keeps descriptions in the database (its UI edits
    them) and compares only targets.
    """
    return core_version()[:1] < (5,)


def all_workflows() -> dict[str, Any]:
    """orchestrator-core's ``ALL_WORKFLOWS``: the registry of the code.

    The application's ``workflows`` package must have been imported first;
    importing it registers its workflows there.
    """
    module = _import("workflows")
    workflows: dict[str, Any] = module.ALL_WORKFLOWS
    return workflows
