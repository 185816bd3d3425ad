#!/usr/bin/env bash
# orchestrator-core's own test suite, plain and attached: attached, it must
# not be able to tell that the extension is there.
#
# Unpacks orchestrator-core 4.8.2's source with its tests
# (../shared/orchestrator-core/orchestrator-core-4.8.2-src.tar.gz, see the
# README there) into a temporary directory, installs it and its test
# dependencies into a virtual environment (requirements.txt and
# requirements-tests.txt, pinned), starts Redis on a loopback port of its
# own, and runs its test/unit_tests twice against the PostgreSQL cluster
# named by PGHOST/PGPORT (PGUSER a superuser; the extension installed):
#   plain     its files as they are;
#   attached  its conftest.py creates the extension and attaches it to the
#             test database right after run_migrations(), the one change.
# Then compares the two runs test by test: the same outcome for every test,
# the same pass, fail and skip counts.  Prints TAP; the counts and every
# test whose outcome differs go to the diagnostics.
#
# Takes about 3 to 4 minutes per mode on 2 cores, plus the virtual
# environment (about a minute cold; WR_ORCH_CACHE=DIR keeps it as
# DIR/venv-suite-4.8.2).  WR_SUITE_ARGS replaces the tests to run (a subset:
# WR_SUITE_ARGS="test/unit_tests/api"), WR_SUITE_MODES picks the modes
# ("plain attached").  Without Python, the archive or Redis it skips, except
# under CI=true, where that is a failure.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$root/test/lib.sh"
archive=${WR_ORCH_ARCHIVE:-$root/../shared/orchestrator-core/orchestrator-core-4.8.2-src.tar.gz}
modes=${WR_SUITE_MODES:-plain attached}
export PGUSER=${PGUSER:-postgres}

n=0
failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
diag() { sed 's/^/# /'; }
finish() {
    echo "1..$n"
    [ "$failed" -eq 0 ]
    exit
}
cannot_run() {
    if [ "${CI:-}" = true ]; then
        fail "$1"
        finish
    fi
    echo "1..0 # SKIP $1"
    exit 0
}

[ -n "${PGHOST:-}" ] || cannot_run "PGHOST names no cluster"
[ -f "$archive" ] || cannot_run "no orchestrator-core source archive at $archive"

tmp=$(mktemp -d /tmp/wr-suite.XXXXXX)
chmod 755 "$tmp"
redis_pid=
cleanup() {
    [ -n "$redis_pid" ] && kill "$redis_pid" 2> /dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

# Redis on a loopback port of our own, no persistence.
if ! command -v redis-server > /dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    wr_install_packages redis-server > /dev/null 2>&1
fi
command -v redis-server > /dev/null 2>&1 || cannot_run "redis-server is not installed (apt-get install redis-server)"
redis_port=${WR_REDIS_PORT:-$((WR_PORT + 7))}
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$tmp" > "$tmp/redis.log" 2>&1 &
redis_pid=$!
for _ in $(seq 50); do
    redis-cli -p "$redis_port" ping > /dev/null 2>&1 && break
    sleep 0.1
done
redis-cli -p "$redis_port" ping > /dev/null 2>&1 ||
    { diag < "$tmp/redis.log"; cannot_run "redis-server does not start on 127.0.0.1:$redis_port"; }

# The virtual environment: orchestrator-core 4.8.2 and its test dependencies.
py=
for c in ${WR_ORCH_PYTHON:-} python3.11 python3.12 python3.13 python3; do
    command -v "$c" > /dev/null 2>&1 &&
        "$c" -c 'import sys; sys.exit(not ((3, 11) <= sys.version_info[:2] < (3, 14)))' 2> /dev/null &&
        { py=$c; break; }
done
[ -n "$py" ] || cannot_run "no Python 3.11 to 3.13 for orchestrator-core 4.8.2"
venv=${WR_ORCH_CACHE:+$WR_ORCH_CACHE/venv-suite-4.8.2}
venv=${venv:-$tmp/venv}
if [ ! -x "$venv/bin/python" ]; then
    "$py" -m venv "$venv" > "$tmp/venv.out" 2>&1 || {
        [ "$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv > /dev/null 2>&1
        rm -rf "$venv"
        "$py" -m venv "$venv" > "$tmp/venv.out" 2>&1
    } || { diag < "$tmp/venv.out"; cannot_run "$py -m venv fails"; }
fi
if "$venv/bin/python" -m pip install -q --disable-pip-version-check \
    -r "$here/requirements.txt" -r "$here/requirements-tests.txt" > "$tmp/pip.out" 2>&1 &&
    "$venv/bin/python" -m pip check > "$tmp/pipcheck.out" 2>&1; then
    pass "orchestrator-core 4.8.2 and its test dependencies, pinned, in a virtual environment ($("$venv/bin/python" -V))"
else
    tail -20 "$tmp/pip.out" "$tmp/pipcheck.out" 2> /dev/null | diag
    cannot_run "pip cannot install test/orchestrator/requirements.txt and requirements-tests.txt"
fi

# The source with its tests, once per mode: the attached copy's conftest.py
# attaches after run_migrations().
unpack() {
    local dir=$1
    mkdir -p "$dir" && tar -xzf "$archive" -C "$dir" || return 1
    [ -f "$dir/test/unit_tests/conftest.py" ]
}
attach_in_conftest() {
    "$venv/bin/python" - "$1/test/unit_tests/conftest.py" <<'PY'
import sys
path = sys.argv[1]
src = open(path).read()
anchor = "    run_migrations(db_uri)\n    db.wrapped_database.engine = create_engine(db_uri, **ENGINE_ARGUMENTS)\n"
if src.count(anchor) != 1:
    sys.exit("conftest.py: run_migrations(db_uri) in the database fixture not found once")
attach = (
    "    run_migrations(db_uri)\n"
    "    with closing(create_engine(db_uri).connect()) as wr_conn:  # workflow_registry attached\n"
    "        wr_conn.execute(text(\"CREATE EXTENSION workflow_registry\"))\n"
    "        wr_conn.execute(text(\"SELECT * FROM workflow_registry.attach_orchestrator_core('public')\"))\n"
    "        wr_conn.commit()\n"
    "    db.wrapped_database.engine = create_engine(db_uri, **ENGINE_ARGUMENTS)\n"
)
open(path, "w").write(src.replace(anchor, attach))
PY
}

# run_suite MODE: pytest in that mode's copy; its junit XML in $tmp/MODE.xml.
run_suite() {
    local mode=$1 dir=$tmp/$1 db=wr-suite-$1
    unpack "$dir" || { fail "$mode: orchestrator-core's source unpacks with test/unit_tests"; return 1; }
    if [ "$mode" = attached ]; then
        attach_in_conftest "$dir" 2>&1 | diag
        [ "${PIPESTATUS[0]}" -eq 0 ] || { fail "$mode: conftest.py attaches after run_migrations()"; return 1; }
    fi
    # ruff and python on PATH: its generator tests run them.  cli/data holds
    # the generator's expected output, test modules of an application that
    # does not exist here: data, not tests to collect.
    (cd "$dir" && env PATH="$venv/bin:$PATH" VIRTUAL_ENV="$venv" \
        DATABASE_URI="postgresql://$PGUSER@localhost/$db?host=$PGHOST&port=${PGPORT:-5432}" \
        CACHE_URI="redis://127.0.0.1:$redis_port/0" \
        "$venv/bin/python" -m pytest ${WR_SUITE_ARGS:-test/unit_tests} --ignore=test/unit_tests/cli/data \
        -p no:cacheprovider --tb=native -q --junitxml="$tmp/$mode.xml") > "$tmp/$mode.out" 2>&1
    tail -3 "$tmp/$mode.out" | diag
    if [ ! -s "$tmp/$mode.xml" ] || grep -q '^!.* Interrupted' "$tmp/$mode.out" ||
        ! tail -1 "$tmp/$mode.out" | grep -q ' passed'; then
        grep -E '^(E |ERROR)' "$tmp/$mode.out" | head -30 | diag
        fail "$mode: orchestrator-core's test suite runs"
        return 1
    fi
    pass "$mode: orchestrator-core's test suite runs ($(tail -1 "$tmp/$mode.out"))"
}

for mode in $modes; do
    run_suite "$mode"
done

# Every test's outcome in both modes.
if [ -s "$tmp/plain.xml" ] && [ -s "$tmp/attached.xml" ]; then
    "$venv/bin/python" - "$tmp/plain.xml" "$tmp/attached.xml" > "$tmp/compare.out" 2>&1 <<'PY'
import sys
import xml.etree.ElementTree as ET

def outcomes(path):
    result = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        name = case.get("classname", "") + "::" + case.get("name", "")
        kinds = {child.tag for child in case}
        result[name] = ("failed" if kinds & {"failure", "error"} else
                        "skipped" if "skipped" in kinds else "passed")
    return result

plain, attached = outcomes(sys.argv[1]), outcomes(sys.argv[2])
def counts(r):
    return {k: sum(1 for v in r.values() if v == k) for k in ("passed", "failed", "skipped")}
print("plain    ", counts(plain))
print("attached ", counts(attached))
differ = sorted(t for t in set(plain) | set(attached) if plain.get(t) != attached.get(t))
for t in differ:
    print(f"{plain.get(t, 'absent'):8} -> {attached.get(t, 'absent'):8} {t}")
sys.exit(1 if differ else 0)
PY
    rc=$?
    diag < "$tmp/compare.out"
    if [ $rc -eq 0 ]; then
        pass "attached, every test of orchestrator-core's suite has the outcome it has plain ($(sed -n 's/^plain *//p' "$tmp/compare.out"))"
    else
        fail "attached, every test of orchestrator-core's suite has the outcome it has plain ($(grep -c ' -> ' "$tmp/compare.out") differ)"
    fi
fi
finish
