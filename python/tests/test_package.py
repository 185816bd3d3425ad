"""The package as installed: typed (PEP 561) and checked by mypy --strict
against the SQLAlchemy and typer of the environment it runs in."""

from __future__ import annotations

import subprocess
import sys
from importlib import resources

import workflow_registry


def test_it_ships_py_typed() -> None:
    assert resources.files(workflow_registry).joinpath("py.typed").is_file()


def test_mypy_strict_passes_on_the_installed_package() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--python-version",
            "3.11",
            "--no-incremental",
            "--cache-dir",
            "/dev/null",
            "-p",
            "workflow_registry",
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
