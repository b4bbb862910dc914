#!/usr/bin/env bash
# A throw-away PostgreSQL cluster on 127.0.0.1 for the tests: `pg_cluster.sh start DIR` makes one in DIR (initdb,
# trust authentication on loopback only, a free port) and starts it, printing its libpq URI; `pg_cluster.sh stop
# DIR` stops it. As root, the cluster runs as the unprivileged user `postgres` (Debian's package makes it), since
# PostgreSQL refuses to run as root.
set -euo pipefail

command=${1:?usage: pg_cluster.sh start|stop DIR}
dir=${2:?usage: pg_cluster.sh start|stop DIR}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bin/initdb" ] || { echo "pg_cluster.sh: PostgreSQL's server is not installed (apt-get install postgresql)" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$command" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    # A free port: one nothing answers on, tried again if the server still finds it taken. fsync off: a test
    # cluster is thrown away, and it keeps the tests quick.
    for attempt in 1 2 3 4 5; do
      port=$((20000 + RANDOM % 30000))
      (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
      if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
           -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=200" start >/dev/null
      then
        echo "postgresql://postgres@127.0.0.1:$port/postgres"
        exit 0
      fi
    done
    cat "$dir/server.log" >&2
    exit 1
    ;;
  stop)
    [ -d "$dir/data" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *) echo "usage: pg_cluster.sh start|stop DIR" >&2; exit 1 ;;
esac
