#!/usr/bin/env bash
# The pg_regress and isolation suites (REGRESS and ISOLATION of the
# Makefile) with the server under Valgrind memcheck, or with the module built
# with AddressSanitizer or UndefinedBehaviorSanitizer.  Slow and not part of
# test/run.sh; run it by hand:
#
#   bash test/memcheck.sh [valgrind|asan|ubsan|plain]     (default valgrind)
#
# It never writes the system PostgreSQL installation, which other builds
# install into concurrently: it copies /usr/lib/postgresql/$PG_MAJOR,
# /usr/share/postgresql/$PG_MAJOR and /usr/include/postgresql under
# $WR_MEMCHECK_DIR (Debian's pg_config reports paths relative to its own
# location, so the copy's pg_config points at the copy), builds the extension
# from a copy of this tree into it, and runs a socket-only cluster from the
# copied binaries, pg_regress and pg_isolation_regress included.
#
# valgrind  every server process runs under memcheck (postgres started
#           through a wrapper given to pg_ctl -p); a process with an error
#           exits with 128, which the postmaster treats as a crash, so an
#           error also fails the suite.  Debian's server is not built with
#           USE_VALGRIND: palloc'd chunks are not tracked one by one, so a
#           read past a palloc'd chunk inside its memory context block is not
#           seen; only malloc-level errors and uses of undefined values are.
#           Set VG_SUPP to PostgreSQL's src/tools/valgrind.supp to silence
#           its known padding reports.
# asan      module built with -fsanitize=address,undefined, libasan
#           LD_PRELOADed into the (uninstrumented) server.  Only the module's
#           own accesses would be checked, and palloc is not instrumented.
#           On Debian 12 (gcc 12, glibc 2.36) this does not get that far: a
#           program that is not itself built with ASan but links libgnutls
#           (postgres does, through libldap) deadlocks in bindtextdomain or
#           at exit when libasan is preloaded, because gnutls' and p11-kit's
#           constructors run before the runtime's own; clang 14's runtime
#           does the same.  The script checks this first and stops.
# ubsan     module built with -fsanitize=undefined (libubsan is linked by the
#           module and loads with it).  PostgreSQL's -fwrapv makes signed
#           overflow defined, so that check is off.
# plain     the same run with nothing added, to compare times and results.
#
# The summary counts the reports and prints in full every report whose stack
# has a frame in this extension.  Exit status: 0 when both suites pass and no
# report touches the extension.
#
# Environment: WR_PORT (port of the throwaway cluster), WR_MEMCHECK_DIR
# (default /tmp/workflow_registry.memcheck; emptied first), VG_SUPP.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

mode=${1:-valgrind}
case $mode in
    valgrind | asan | ubsan | plain) ;;
    *) echo "usage: $0 [valgrind|asan|ubsan|plain]" >&2; exit 2 ;;
esac

dir=${WR_MEMCHECK_DIR:-/tmp/workflow_registry.memcheck}
case $dir in /tmp/?*) ;; *) echo "WR_MEMCHECK_DIR must be under /tmp" >&2; exit 2 ;; esac
rm -rf "$dir"
mkdir -p "$dir/usr/lib/postgresql" "$dir/usr/share/postgresql" "$dir/usr/include" "$dir/logs"
chmod 755 "$dir"

# the private installation
cp -a "/usr/lib/postgresql/$PG_MAJOR" "$dir/usr/lib/postgresql/" &&
    cp -a "/usr/share/postgresql/$PG_MAJOR" "$dir/usr/share/postgresql/" &&
    cp -a /usr/include/postgresql "$dir/usr/include/" || exit 1
PG_BINDIR=$dir/usr/lib/postgresql/$PG_MAJOR/bin
PG_CONFIG=$PG_BINDIR/pg_config
pkglibdir=$("$PG_CONFIG" --pkglibdir)
sharedir=$("$PG_CONFIG" --sharedir)
case $pkglibdir:$sharedir in
    "$dir"/*:"$dir"/*) ;;
    *) wr_log "the copy's pg_config points outside $dir: $pkglibdir $sharedir"; exit 1 ;;
esac
# whatever the system had installed of this extension goes, so the server
# can only find the build below
rm -rf "$pkglibdir"/workflow_registry.so "$pkglibdir"/bitcode/workflow_registry* \
    "$sharedir"/extension/workflow_registry*

# Build from a copy of the tree, so sanitizer objects never land in the
# worktree.  No bitcode: the server runs with jit=off.
work=$dir/src
mkdir -p "$work"
git -C "$WR_ROOT" ls-files -z --cached --others --exclude-standard |
    (cd "$WR_ROOT" && xargs -0 cp --parents -t "$work" 2>/dev/null)
# orchestrator-core's DDL for the import test, from shared/ beside the
# repository as test/run.sh takes it, else from /work/shared (worktree layout)
mkdir -p "$work/test/orchestrator-core"
cp "$WR_ROOT/../shared/orchestrator-core/schema.sql" "$work/test/orchestrator-core/" 2>/dev/null ||
    cp /work/shared/orchestrator-core/schema.sql "$work/test/orchestrator-core/" 2>/dev/null ||
    wr_log "orchestrator-core's schema.sql is missing: the import test will fail"

cflags="-fno-omit-frame-pointer"
case $mode in
    asan) cflags="$cflags -fsanitize=address,undefined" ;;
    ubsan) cflags="$cflags -fsanitize=undefined" ;;
esac
wr_log "building workflow_registry ($mode: $cflags)"
make -C "$work" -s PG_CONFIG="$PG_CONFIG" with_llvm=no PG_CFLAGS="$cflags" >&2 &&
    make -C "$work" -s PG_CONFIG="$PG_CONFIG" with_llvm=no install >&2 || exit 1
[ "$(id -u)" = 0 ] && chown -R postgres: "$dir/src" "$dir/logs"

# Reports of core code that are known to be harmless, for a server built
# without USE_VALGRIND like Debian's.  Debian's postgres is also stripped:
# its static functions show as "???", so the entries of PostgreSQL's
# src/tools/valgrind.supp that name them (VG_SUPP) cannot match; these name
# the nearest exported function instead.  None can match a stack with a frame
# in this extension below the named functions.
cat > "$dir/debian.supp" <<'SUPP'
# valgrind.supp's padding_relcache: padding of the relcache init file
{
	relcache_init_file_padding
	Memcheck:Param
	write(buf)
	...
	fun:RelationCacheInitializePhase3
}
# valgrind.supp's padding_XLogRecData_write: padding of WAL records
{
	wal_padding_flush
	Memcheck:Param
	pwrite64(buf)
	...
	fun:XLogFlush
}
{
	wal_padding_background_flush
	Memcheck:Param
	pwrite64(buf)
	...
	fun:XLogBackgroundFlush
}
# The shared invalidation ring buffer: valgrind remembers this process's own
# undefined padding bytes of a message slot after another process has
# overwritten the slot.  PostgreSQL marks the padding defined only when built
# with USE_VALGRIND (commit 0564bbe7a16).
{
	sinval_padding_smgr_cond
	Memcheck:Cond
	fun:hash_search_with_hash_value
	fun:smgrclosenode
}
{
	sinval_padding_smgr_value
	Memcheck:Value8
	fun:hash_search_with_hash_value
	fun:smgrclosenode
}
# The regular-expression cache moves its entries down with memmove(), which
# Debian's _FORTIFY_SOURCE build turns into a checked copy that valgrind
# reports as overlapping; reached when a query has used more than the cache's
# 32 distinct patterns (the fuzz test's generator does).
{
	regex_cache_memmove
	Memcheck:Overlap
	fun:__memcpy_chk
	fun:RE_compile_and_cache
}
SUPP

# The server, started by pg_ctl through a wrapper that runs the copied
# postgres under the tool.
wrapper=$dir/postgres
{
    echo '#!/bin/sh'
    case $mode in
        valgrind)
            supp="--suppressions=$dir/debian.supp"
            [ -n "${VG_SUPP:-}" ] && supp="$supp --suppressions=$VG_SUPP"
            echo "exec valgrind --quiet --tool=memcheck --trace-children=yes --track-origins=no" \
                "--leak-check=no --error-limit=no --num-callers=40" \
                "--error-exitcode=128 $supp --log-file=$dir/logs/vg.%p.log ${VG_OPTS:-}" \
                "$PG_BINDIR/postgres \"\$@\""
            ;;
        asan)
            echo "export LD_PRELOAD=$(gcc -print-file-name=libasan.so)"
            echo "export ASAN_OPTIONS=detect_leaks=0:abort_on_error=0:log_path=$dir/logs/asan"
            echo "export UBSAN_OPTIONS=print_stacktrace=1:log_path=$dir/logs/ubsan"
            echo "exec $PG_BINDIR/postgres \"\$@\""
            ;;
        ubsan)
            # The runtime reads UBSAN_OPTIONS from /proc/self/environ when
            # the first report starts it, in a backend whose process title
            # has overwritten that area; the hook below gives the options
            # whatever the environment.
            printf 'const char *__ubsan_default_options(void);\n%s\n' \
                "const char *__ubsan_default_options(void) { return \"print_stacktrace=1:log_path=$dir/logs/ubsan\"; }" \
                > "$dir/ubsan_options.c"
            gcc -shared -fPIC -o "$dir/ubsan_options.so" "$dir/ubsan_options.c" || exit 1
            echo "export LD_PRELOAD=$dir/ubsan_options.so"
            echo "exec $PG_BINDIR/postgres \"\$@\""
            ;;
        plain) echo "exec $PG_BINDIR/postgres \"\$@\"" ;;
    esac
} > "$wrapper"
chmod 755 "$wrapper"

if [ "$mode" = asan ] &&
    ! timeout 60 env LD_PRELOAD="$(gcc -print-file-name=libasan.so)" ASAN_OPTIONS=detect_leaks=0 \
        "$PG_BINDIR/postgres" --version >/dev/null 2>&1; then
    wr_log "postgres --version does not finish with libasan preloaded (see the header): no ASan run"
    exit 3
fi

WR_TMP=$dir/cluster
mkdir -p "$WR_TMP"
[ "$(id -u)" = 0 ] && chown postgres: "$WR_TMP"
wr_as_owner initdb -D "$WR_TMP/data" -U postgres -A trust --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null ||
    exit 1
start=$(date +%s)
wr_log "starting the server ($mode)"
# No autovacuum and no JIT: neither is this extension's code, and under
# valgrind each would cost minutes.  log_connections names each process's
# test (pg_regress and isolationtester set application_name).
wr_as_owner pg_ctl -D "$WR_TMP/data" -l "$dir/logs/server.log" -w -t 900 -s -p "$wrapper" \
    -o "-k $WR_TMP -p $WR_PORT -c listen_addresses='' -c fsync=off -c jit=off -c autovacuum=off -c log_connections=on" start ||
    { cat "$dir/logs/server.log" >&2; exit 1; }
export PGHOST=$WR_TMP PGPORT=$WR_PORT PGUSER=postgres
stop_server() {
    wr_as_owner pg_ctl -D "$WR_TMP/data" -s -m fast -t 900 stop >/dev/null 2>&1
}
trap stop_server EXIT

# The server must load the module from the copy, not from the system.
maps=$("$PG_BINDIR/psql" -X -At -d postgres -c "LOAD 'workflow_registry'" \
    -c "SELECT pg_catalog.pg_read_file('/proc/' || pg_catalog.pg_backend_pid() || '/maps')" |
    grep -o '/[^ ]*workflow_registry\.so' | sort -u)
wr_log "module loaded from: $maps"
[ "$maps" = "$pkglibdir/workflow_registry.so" ] || { wr_log "not the copy's module"; exit 1; }

# Each suite is one stage, run whatever the other gave.
suites_ok=true
for stage in regress isolation; do
    case $stage in
        regress) vars=(ISOLATION=) ;;
        isolation) vars=(REGRESS=) ;;
    esac
    t0=$(date +%s)
    wr_log "$stage"
    (cd "$work" && wr_as_owner env PGISOLATIONTIMEOUT=3600 make -s PG_CONFIG="$PG_CONFIG" \
        PGHOST="$PGHOST" PGPORT="$PGPORT" PGUSER="$PGUSER" "${vars[@]}" TAP_TESTS= installcheck) \
        > "$dir/logs/$stage.log" 2>&1 || suites_ok=false
    cat "$dir/logs/$stage.log"
    wr_log "$stage took $(($(date +%s) - t0)) s"
done
for diffs in "$work/regression.diffs" "$work/output_iso/regression.diffs"; do
    [ -s "$diffs" ] && cat "$diffs"
done
stop_server
trap - EXIT
wr_log "server ran $(($(date +%s) - start)) s"

# Reports whose stack has a frame in one of our source files or in the
# module itself count as the extension's.
ours="workflow_registry\\.so|\\b($(cd "$WR_ROOT/src" && ls *.c | sed 's/\.c$//' | paste -sd'|'))\\.c:[0-9]+"
python3 - "$mode" "$dir/logs" "$ours" <<'EOF'
import glob, os, re, sys
mode, logs, ours = sys.argv[1], sys.argv[2], re.compile(sys.argv[3])

# the test each server process ran, from log_connections
apps = {}
for l in open(os.path.join(logs, "server.log"), errors="replace"):
    m = re.search(r"\[(\d+)\].*connection authorized: .*application_name=(.*)$", l)
    if m:
        apps[m.group(1)] = m.group(2).strip()

def label(f):
    pid = re.sub(r"\D", "", os.path.basename(f).split(".", 1)[1])
    return "%s, pid %s (%s)" % (os.path.basename(f), pid, apps.get(pid, "no test"))

def show(title, reports):
    print(title)
    for r in reports:
        print("    " + "\n    ".join(r.splitlines()))
        print()

if mode == "valgrind":
    files = sorted(glob.glob(os.path.join(logs, "vg.*.log")))
    total = 0
    kinds = {}
    mine = []
    for f in files:
        body = [re.sub(r"^==\d+== ?", "", l) for l in open(f, errors="replace")]
        # an error is a paragraph that opens with a header line followed by
        # "   at 0x"; the paragraphs after it that start with white space or
        # "Block was" (Address ..., the block's stacks) belong to it
        paras, cur = [], []
        for l in body:
            if l.strip() == "":
                if cur: paras.append(cur); cur = []
            else:
                cur.append(l.rstrip("\n"))
        if cur: paras.append(cur)
        errors = []
        for p in paras:
            is_err = len(p) > 1 and re.match(r"\s+at 0x", p[1]) and not re.match(r"\s|Block was", p[0])
            if is_err:
                errors.append(list(p))
            elif errors and re.match(r"\s|Block was", p[0]):
                errors[-1] += p
        for e in errors:
            total += 1
            text = "\n".join(e)
            key = e[0] + " | " + (re.sub(r"^\s+(at|by) 0x[0-9A-F]+: ", "", e[1]) if len(e) > 1 else "")
            kinds[key] = kinds.get(key, 0) + 1
            if ours.search(text):
                mine.append("[%s]\n%s" % (label(f), text))
    print("valgrind: %d process logs, %d errors, %d with a frame in workflow_registry"
          % (len(files), total, len(mine)))
    for k, n in sorted(kinds.items(), key=lambda kv: -kv[1]):
        print("  %5d  %s" % (n, k))
    show("errors in workflow_registry:", mine)
    sys.exit(1 if mine else 0)
elif mode in ("asan", "ubsan"):
    files = sorted(glob.glob(os.path.join(logs, "asan.*")) + glob.glob(os.path.join(logs, "ubsan.*")))
    mine = ["[%s]\n%s" % (label(f), open(f, errors="replace").read()) for f in files]
    # a report the runtime wrote to stderr instead lands in the server log
    stray = [l.rstrip("\n") for l in open(os.path.join(logs, "server.log"), errors="replace")
             if "runtime error:" in l or "ERROR: AddressSanitizer" in l]
    if stray:
        mine.append("[server.log]\n" + "\n".join(stray))
    mine_ours = [t for t in mine if ours.search(t)]
    print("%s: %d report files, %d with a frame in workflow_registry" % (mode, len(files), len(mine_ours)))
    show("reports:", mine)
    sys.exit(1 if mine_ours else 0)
EOF
summary=$?
$suites_ok && [ $summary -eq 0 ]
