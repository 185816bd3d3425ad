#!/usr/bin/env bash
# Stress test (issue 15): several pgbench clients call every writing
# function at once on a small pool of names, for a bounded number of
# transactions, against the cluster in PGHOST/PGPORT/PGUSER.  It prints TAP
# lines and fails on a deadlock, on any SQLSTATE the README does not
# document for concurrent calls (public.try in setup.sql lets only those
# through), on an aborted client, on a crash or deadlock in the server log
# (WR_SERVER_LOG, when given), and on any broken invariant afterwards.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
db=wr_stress
clients=${WR_STRESS_CLIENTS:-8}
per_client=${WR_STRESS_TRANSACTIONS:-1500}
serverlog=${WR_SERVER_LOG:-}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
n=0
check() {   # check <description> <command...>: one TAP line
    local what=$1
    shift
    n=$((n + 1))
    if "$@"; then echo "ok $n - $what"; else echo "not ok $n - $what"; fi
}
q() { psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }

dropdb --if-exists "$db" 2>/dev/null && createdb "$db" &&
    psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f "$here/setup.sql" >/dev/null ||
    { echo "not ok 1 - set up the stress database"; exit 1; }
offset=0
[ -n "$serverlog" ] && offset=$(stat -c %s "$serverlog")

scripts=""
for s in writers@4 delete@2 products@2 product_once@1 tasks@1 bulk@2 migrations@2 \
         rr_workflow@1 rr_product@1 rr_delete@1 defaults@1; do
    scripts="$scripts -f $here/${s%@*}.pgbench@${s#*@}"
done
start=$(date +%s)
# bounded twice: a number of transactions, and a time limit in case of a hang
timeout 300 pgbench -n -d "$db" -c "$clients" -j 2 -t "$per_client" --failures-detailed \
    $scripts > "$out" 2>&1
rc=$?
echo "# pgbench: $clients clients x $per_client transactions in $(( $(date +%s) - start )) s, exit $rc"
grep -E '^(number of|latency average|tps)' "$out" | sed 's/^/# /'

check "pgbench ran every transaction, no client aborted" \
    bash -c "[ $rc -eq 0 ] && ! grep -q 'aborted' '$out' &&
             grep -q '^number of transactions actually processed: $((clients * per_client))/' '$out'"
check "no failed transaction (no deadlock, no serialization failure left to pgbench)" \
    grep -q '^number of failed transactions: 0 ' "$out"
if [ -n "$serverlog" ]; then
    check "the server log has no deadlock, crash or undocumented error" \
        bash -c "! tail -c +$((offset + 1)) '$serverlog' |
                 grep -E 'deadlock detected|terminated by signal|PANIC|was terminated|server process'"
fi

echo "# outcomes (call, SQLSTATE, count):"
q "SELECT call, sqlstate, pg_catalog.count(*) FROM public.outcomes GROUP BY 1, 2 ORDER BY 1, 2" |
    sed 's/^/#   /'
check "every call was recorded" \
    test "$(q "SELECT pg_catalog.count(*) FROM public.outcomes")" -gt $((clients * per_client))

# every workflow linked to exactly the products of its type (and tag), a
# default workflow to every product.  A workflow may be linked to none:
# delete_product may take the last product of its type and tag after it
# was registered, as the README says (that once failed a check here that
# every workflow has a product, whenever the pool's deletes happened to do
# so); one whose type or tag does have products and is not linked to them
# is a missing link, which this counts.
check "no missing or extra link, no orphan link, no task linked" test "$(q "
    WITH wanted AS (
        SELECT w.workflow_id, p.product_id FROM workflow_registry.workflows AS w
        JOIN workflow_registry.products AS p ON w.is_default OR (p.product_type = w.product_type
         AND (w.product_tag IS NULL OR p.tag = w.product_tag)))
    SELECT pg_catalog.count(*) FROM (
        (SELECT * FROM wanted EXCEPT ALL
         SELECT workflow_id, product_id FROM workflow_registry.products_workflows) UNION ALL
        (SELECT workflow_id, product_id FROM workflow_registry.products_workflows EXCEPT ALL
         SELECT * FROM wanted)) AS d")" = 0
check "the ledger: one applied row per version, reverted rows complete" test "$(q "
    SELECT (SELECT pg_catalog.count(*) FROM (
                SELECT version FROM workflow_registry.migrations WHERE reverted_at IS NULL
                GROUP BY version HAVING pg_catalog.count(*) > 1) AS d)
         + (SELECT pg_catalog.count(*) FROM workflow_registry.migrations
            WHERE (reverted_at IS NULL) <> (reverted_by IS NULL) OR reverted_at < applied_at)
         + (SELECT pg_catalog.count(*) FROM workflow_registry.migration_history
            WHERE state <> CASE WHEN reverted_at IS NULL THEN 'applied' ELSE 'reverted' END)")" = 0
# migration m<n> alone creates workflow mw<n> and product pM<n>, and its
# revert deletes them: they exist exactly while m<n> is applied
check "the rows of each migration exist exactly while it is applied" test "$(q "
    SELECT pg_catalog.count(*) FROM pg_catalog.generate_series(0, 5) AS n
    WHERE EXISTS (SELECT FROM workflow_registry.migrations
                  WHERE version = 'm' || n AND reverted_at IS NULL)
          IS DISTINCT FROM EXISTS (SELECT FROM workflow_registry.workflows WHERE name = 'mw' || n)
       OR EXISTS (SELECT FROM workflow_registry.migrations
                  WHERE version = 'm' || n AND reverted_at IS NULL)
          IS DISTINCT FROM EXISTS (SELECT FROM workflow_registry.products WHERE name = 'pM' || n)")" = 0
echo "# registry afterwards: $(q "SELECT pg_catalog.format('%s workflows, %s products, %s links, %s migrations applied, %s reverted',
    (SELECT pg_catalog.count(*) FROM workflow_registry.workflows),
    (SELECT pg_catalog.count(*) FROM workflow_registry.products),
    (SELECT pg_catalog.count(*) FROM workflow_registry.products_workflows),
    (SELECT pg_catalog.count(*) FROM workflow_registry.migrations WHERE kind = 'data' AND reverted_at IS NULL),
    (SELECT pg_catalog.count(*) FROM workflow_registry.migrations WHERE reverted_at IS NOT NULL))")"
[ -n "${WR_STRESS_KEEP:-}" ] || dropdb "$db"
