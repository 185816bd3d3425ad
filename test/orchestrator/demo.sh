#!/usr/bin/env bash
# `bash test/demo.sh orchestrator`: the seed example as an orchestrator-core
# team runs it, with the extension attached and the package's helpers (see
# the README's "Coming from orchestrator-core"): orchestrator-core's CLI
# writes and applies the data migrations, then its own API lists what it
# offers for each product.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"

cat <<'EOF'
This demo installs orchestrator-core 4.8.2 and its dependencies from PyPI
(test/orchestrator/requirements.txt, pinned) into a virtual environment in a
temporary directory: about two minutes on a fresh machine, then about three
seconds per orchestrator-core command.  Everything is removed at the end.

EOF

wr_install_packages
wr_build_install
wr_start_cluster
tmp=$(mktemp -d /tmp/wr-orchestrator-demo.XXXXXX)
trap 'wr_stop_cluster; rm -rf "$tmp"' EXIT
step() { printf '\n== %s\n' "$*"; }

py=$(command -v python3.11 || command -v python3)
step "a virtual environment with orchestrator-core 4.8.2 and workflow-registry (python/)"
"$py" -m venv "$tmp/venv"
"$tmp/venv/bin/python" -m pip install -q --disable-pip-version-check -r "$here/requirements.txt" "$WR_ROOT/python"
export PATH=$tmp/venv/bin:$PATH VIRTUAL_ENV=$tmp/venv

app=$tmp/app
cp -r "$here/app" "$app"
cd "$app"
export DATABASE_URI="postgresql://$PGUSER@localhost/orchestrator?host=$PGHOST&port=$PGPORT"
export TRANSLATIONS_DIR=$app/translations OAUTH2_ACTIVE=False OAUTH2_AUTHORIZATION_ACTIVE=False
export PYTHONPATH=$app PYTHONDONTWRITEBYTECODE=1 LOG_LEVEL=WARNING
"$PG_BINDIR/createdb" orchestrator

# revision HEAD MESSAGE BODY [IMPORT]: main.py db revision, then the body
# the seed's page gives (test/orchestrator/migrations/).
revision() {
    local before file
    before=$(ls migrations/versions/schema)
    python main.py db revision --head "$1" --message "$2" > /dev/null
    file=migrations/versions/schema/$(ls migrations/versions/schema | grep -vxF "$before" | grep -v data_head | head -1)
    python - "$file" "$here/migrations/$3" "${4:-}" <<'PY'
import sys
path, body, first = sys.argv[1:4]
text = open(path).read()
open(path, "w").write(text[: text.index("def upgrade()")] + (first + "\n" if first else "") + open(body).read())
PY
    echo "$file"
}

step "python main.py db init"
python main.py db init > /dev/null
step "python main.py db revision --head data --message 'add User and UserGroup products'  (orchestrator-core's create())"
revision data "add User and UserGroup products" products.py
step "python main.py db revision --message 'attach workflow_registry'"
revision data@head "attach workflow_registry" registry.py
step "python main.py db revision --message 'add User and UserGroup workflows'  (the package's helpers)"
file=$(revision data@head "add User and UserGroup workflows" workflows.py \
    "from workflow_registry.helpers import create_workflow, delete_workflow")
echo "$file"
sed -n '/^from workflow_registry/,$p' "$file"
step "python main.py db upgrade heads"
python main.py db upgrade heads 2>&1 | grep -v '^\s*$' | tail -3 || true
step "python main.py registry check  (the code's ALL_WORKFLOWS against the registry)"
python main.py registry check

step "what orchestrator-core's API offers for each product (GET /api/products/)"
python - <<'PY' 2> /dev/null
from starlette.testclient import TestClient

from main import app

for product in sorted(TestClient(app).get("/api/products/").json(), key=lambda p: p["name"]):
    workflows = ", ".join(f"{w['name']} ({w['target']})" for w in sorted(product["workflows"], key=lambda w: w["name"]))
    print(f"{product['name']:14} {workflows}")
PY
step "the registry's records: each workflow's product type (workflow_registry.attached_workflows)"
"$PG_BINDIR/psql" -X -q -d orchestrator -c "SELECT w.name, w.target, a.product_type, a.is_default
    FROM public.workflows AS w JOIN workflow_registry.attached_workflows AS a USING (workflow_id)
    ORDER BY a.is_default, a.product_type NULLS FIRST, w.name"
