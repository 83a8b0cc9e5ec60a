#!/usr/bin/env sh
# The backup runbook of docs/deploy.md as a script: PostgreSQL holds the threads, runs,
# approvals and schedules; Redis holds only what is in flight and is not backed up.
#
#   backup.sh dump <database-url> <file>      a consistent dump (pg_dump, custom format)
#   backup.sh restore <file> <database-url>   into an EMPTY database (createdb it first),
#                                             in one transaction: all of it or nothing
#
# Then point DATABASE_URL at the restored database. PG_BIN names the folder of pg_dump and
# pg_restore when they are not on PATH (Debian: /usr/lib/postgresql/<version>/bin); use the
# version of your server or newer.
set -eu

bin="${PG_BIN:+$PG_BIN/}"
usage() {
  echo "usage: backup.sh dump <database-url> <file> | backup.sh restore <file> <database-url>" >&2
  exit 2
}

[ "$#" -eq 3 ] || usage
case "$1" in
  dump)
    "${bin}pg_dump" --format=custom --no-owner --no-privileges --file="$3" --dbname="$2"
    echo "backup.sh: dumped to $3" >&2
    ;;
  restore)
    "${bin}pg_restore" --no-owner --no-privileges --exit-on-error --single-transaction --dbname="$3" "$2"
    echo "backup.sh: restored $2" >&2
    ;;
  *) usage ;;
esac
