#!/usr/bin/env bash
# The seed example, for real: install what is needed, build the extension,
# start a throwaway cluster, create the extension, register the User and
# UserGroup products and workflows, and show the registry and the ledger.
# `bash test/demo.sh orchestrator`: the same seed as an orchestrator-core
# team runs it (test/orchestrator/demo.sh).
set -euo pipefail
if [ "${1:-}" = orchestrator ]; then
    exec bash "$(dirname "$0")/orchestrator/demo.sh"
fi
. "$(dirname "$0")/lib.sh"

wr_install_packages
wr_build_install
wr_start_cluster
"$PG_BINDIR/psql" -X -q -d postgres -v ON_ERROR_STOP=1 -f "$WR_ROOT/sql/seed.sql"
