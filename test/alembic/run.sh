#!/usr/bin/env bash
# Real alembic migrations through the package's helpers (python/,
# workflow_registry.helpers, imported from its source tree), with Debian's
# python3-alembic, python3-sqlalchemy (1.4) and python3-psycopg2, on the
# extension's own tables: the oldest stack the package supports, where
# test/orchestrator/run.sh covers orchestrator-core's.  Prints TAP.
#
# Needs an empty database on a cluster where the extension is installed,
# named by libpq's variables, e.g. from the root of the tree:
#   . test/lib.sh; wr_start_cluster; createdb alembic_test
#   PGDATABASE=alembic_test bash test/alembic/run.sh
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
package=$(cd "$here/../../python/src" && pwd)
# Debian's python3, whatever python3 comes first in PATH (pyenv, venv).
py=${WR_PYTHON:-/usr/bin/python3}
pkgs="python3-alembic python3-sqlalchemy python3-psycopg2"

importable() { "$py" -c 'import alembic, sqlalchemy, psycopg2' 2>/dev/null; }
if ! importable; then
    [ "$(id -u)" = 0 ] &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $pkgs >/dev/null 2>&1
    if ! importable; then
        # in CI a suite that cannot run is a failure, never a silent skip
        if [ "${CI:-}" = true ]; then
            echo "1..1"
            echo "not ok 1 - python3-alembic, python3-sqlalchemy and python3-psycopg2 are importable"
            exit 1
        fi
        echo "1..0 # SKIP python3-alembic not installable"
        exit 0
    fi
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export PYTHONPATH=$package PYTHONDONTWRITEBYTECODE=1
# Python puts the working directory first on its path: not the tree's root,
# where the built extension, workflow_registry.so, would shadow the package.
cd "$tmp"

# Each mistake the second revision can make (versions_bad/), and the
# psycopg2 error class of the SQLSTATE the extension raises for it.
cases="
lower_target       InvalidTextRepresentation
made_up_target     InvalidTextRepresentation
typo_product_type  ForeignKeyViolation
redefinition       DuplicateObject
unknown_delete     UndefinedObject
"

echo "1..$((10 + 2 * $(echo "$cases" | grep -c .)))"
n=0
failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
diag() { sed 's/^/# /'; }

# is GOT EXPECTED DESCRIPTION
is() {
    if [ "$1" = "$2" ]; then
        pass "$3"
    else
        fail "$3"
        { echo "got:"; echo "$1"; echo "expected:"; echo "$2"; } | diag
    fi
}

q() { psql -X -qAt -v ON_ERROR_STOP=1 -c "$1" 2>&1; }

alembic() { "$py" -m alembic -c "$here/alembic.ini" "$@" > "$tmp/alembic.out" 2>&1; }

# alembic_ok DESCRIPTION ARGS...: the command succeeds
alembic_ok() {
    local desc=$1
    shift
    if alembic "$@"; then pass "$desc"; else fail "$desc"; diag < "$tmp/alembic.out"; fi
}

counts() {
    q "SELECT (SELECT pg_catalog.count(*) FROM workflow_registry.products) || ' products, '
           || (SELECT pg_catalog.count(*) FROM workflow_registry.workflows) || ' workflows, '
           || (SELECT pg_catalog.count(*) FROM workflow_registry.products_workflows) || ' links, '
           || 'alembic_version ' || COALESCE(
                  (SELECT pg_catalog.string_agg(version_num, ',') FROM public.alembic_version), 'empty')"
}

# Every row of the registry and of alembic_version, ids and times included:
# compared, never printed.
snapshot() {
    q "SELECT pg_catalog.row_to_json(w)::text FROM workflow_registry.workflows AS w
       UNION ALL SELECT pg_catalog.row_to_json(pw)::text FROM workflow_registry.products_workflows AS pw
       UNION ALL SELECT pg_catalog.row_to_json(p)::text FROM workflow_registry.products AS p
       UNION ALL SELECT pg_catalog.row_to_json(v)::text FROM public.alembic_version AS v
       ORDER BY 1"
}

# 1-2: the package, from its source tree, on Debian's SQLAlchemy
if "$py" -c 'import sqlalchemy, workflow_registry.helpers; print(sqlalchemy.__version__)' > "$tmp/import.out" 2>&1; then
    pass "workflow_registry.helpers imports with Debian's SQLAlchemy $(tail -1 "$tmp/import.out")"
else
    fail "workflow_registry.helpers imports with Debian's SQLAlchemy"
    diag < "$tmp/import.out"
fi

# orchestrator's Target is a str enum; a plain Enum must serialise too.
got=$("$py" - 2>&1 <<'EOF'
from enum import Enum
from workflow_registry.registry import dumps

class StrTarget(str, Enum):
    CREATE = "CREATE"

class PlainTarget(Enum):
    MODIFY = "MODIFY"

print(dumps({"name": "a", "target": StrTarget.CREATE}))
print(dumps([{"name": "b", "target": PlainTarget.MODIFY}]))
EOF
)
is "$got" '{"name": "a", "target": "CREATE"}
[{"name": "b", "target": "MODIFY"}]' "definitions bind as JSON with enum targets as their values"

# 3: the extension and the seed's three products
got=$(q "CREATE EXTENSION workflow_registry;
         SELECT pg_catalog.count(workflow_registry.create_product(p))
         FROM pg_catalog.jsonb_array_elements('[
           {\"name\": \"User Group\",    \"description\": \"Group of users\", \"product_type\": \"UserGroup\", \"tag\": \"GROUP\"},
           {\"name\": \"User internal\", \"description\": \"Internal user\",  \"product_type\": \"User\",      \"tag\": \"USER_INT\"},
           {\"name\": \"User external\", \"description\": \"External user\",  \"product_type\": \"User\",      \"tag\": \"USER_EXT\"}
         ]') AS p")
is "$got" 3 "extension created, seed products registered"

# 4-10: the seed migration up, down and up again
alembic_ok "alembic upgrade head" upgrade head
is "$(counts)" "3 products, 6 workflows, 9 links, alembic_version 8040c515d356" "after upgrade: 6 workflows, 9 links"
is "$(q "SELECT w.name || ' ' || w.target || ' ' || w.product_type || ' ' || pg_catalog.count(pw.product_id)
         FROM workflow_registry.workflows AS w
         LEFT JOIN workflow_registry.products_workflows AS pw USING (workflow_id)
         GROUP BY w.name, w.target, w.product_type ORDER BY w.name")" \
"create_user CREATE User 2
create_user_group CREATE UserGroup 1
modify_user MODIFY User 2
modify_user_group MODIFY UserGroup 1
terminate_user TERMINATE User 2
terminate_user_group TERMINATE UserGroup 1" "each workflow: name, target from Target.*, product type, links"
alembic_ok "alembic downgrade base" downgrade base
is "$(counts)" "3 products, 0 workflows, 0 links, alembic_version empty" "after downgrade: 0 workflows, 0 links, products kept"
alembic_ok "alembic upgrade head again" upgrade head
is "$(counts)" "3 products, 6 workflows, 9 links, alembic_version 8040c515d356" "after upgrade again: 6 workflows, 9 links"

# 11-: a later revision with one mistake fails and writes nothing, not even
# the good workflow it registers first
before=$(snapshot)
while read -r case error; do
    [ -n "$case" ] || continue
    if alembic -n bad -x case="$case" upgrade head; then
        fail "$case: alembic upgrade head succeeded"
    elif grep -q "psycopg2.errors.$error" "$tmp/alembic.out"; then
        pass "$case: alembic upgrade head fails with $error"
        grep -m1 -o "(psycopg2.errors.$error) .*" "$tmp/alembic.out" | diag
    else
        fail "$case: alembic upgrade head fails with $error"
        diag < "$tmp/alembic.out"
    fi
    is "$(snapshot)" "$before" "$case: registry and alembic_version unchanged"
done <<< "$cases"

[ "$failed" -eq 0 ]
