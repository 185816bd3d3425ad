# Shared by test/demo.sh, test/run.sh and the benchmarks: install what the
# extension needs, build it, and run a throwaway cluster that listens on a
# Unix socket only.  Source it; it defines functions and sets nothing else
# up until they are called.

WR_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_MAJOR=${PG_MAJOR:-15}
# PG_BINDIR may name a private copy of the installation (see test/memcheck.sh),
# so that concurrent builds never overwrite each other's extension files.
PG_BINDIR=${PG_BINDIR:-/usr/lib/postgresql/$PG_MAJOR/bin}
PG_CONFIG=${PG_CONFIG:-$PG_BINDIR/pg_config}
WR_PORT=${WR_PORT:-54329}

wr_log() { printf '== %s\n' "$*" >&2; }

# Run a command as the cluster's owner: postgres when we are root (the
# server refuses to run as root), else ourselves.
wr_as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- env PATH="$PG_BINDIR:$PATH" "$@"
    else
        env PATH="$PG_BINDIR:$PATH" "$@"
    fi
}

# Debian packages: only when root, only what is missing.  Extra packages
# may be named as arguments.
wr_install_packages() {
    local pkgs="postgresql-$PG_MAJOR postgresql-server-dev-$PG_MAJOR libipc-run-perl make gcc $*"
    local missing="" p
    for p in $pkgs; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
            missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" != 0 ]; then
        wr_log "missing packages:$missing (install them as root)"
        return 1
    fi
    wr_log "installing$missing"
    # no "main" cluster: every run starts its own
    mkdir -p /etc/postgresql-common
    echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.conf
    apt-get update -qq >&2 &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2
}

# Build and install the extension from WR_ROOT.  Extra make variables may be
# passed, e.g. PG_CFLAGS=-Werror.
wr_build_install() {
    wr_log "building workflow_registry"
    make -C "$WR_ROOT" -s PG_CONFIG="$PG_CONFIG" "$@" >&2 &&
        make -C "$WR_ROOT" -s PG_CONFIG="$PG_CONFIG" "$@" install >&2
}

# Start a cluster in a new temporary directory; sets WR_TMP, PGHOST, PGPORT,
# PGUSER and arranges for it to be stopped and removed on exit.
wr_start_cluster() {
    WR_TMP=$(mktemp -d /tmp/workflow_registry.XXXXXX)
    chmod 755 "$WR_TMP"
    [ "$(id -u)" = 0 ] && chown postgres: "$WR_TMP"
    wr_as_owner initdb -D "$WR_TMP/data" -U postgres -A trust --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null ||
        return 1
    wr_as_owner pg_ctl -D "$WR_TMP/data" -l "$WR_TMP/server.log" -w -s \
        -o "-k $WR_TMP -p $WR_PORT -c listen_addresses='' -c fsync=off" start ||
        { cat "$WR_TMP/server.log" >&2; return 1; }
    export PGHOST=$WR_TMP PGPORT=$WR_PORT PGUSER=postgres
    trap wr_stop_cluster EXIT
}

wr_stop_cluster() {
    [ -n "${WR_TMP:-}" ] || return 0
    wr_as_owner pg_ctl -D "$WR_TMP/data" -s -m immediate stop >/dev/null 2>&1
    rm -rf "$WR_TMP"
    WR_TMP=
}
