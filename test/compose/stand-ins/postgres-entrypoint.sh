#!/bin/sh
# The official postgres image's contract, as far as docker-compose.yml uses it: on first start a cluster in $PGDATA
# whose superuser is $POSTGRES_USER with $POSTGRES_PASSWORD, and the database $POSTGRES_DB; then the server as the
# postgres user, listening on every address, with password authentication from the network.
set -eu
# setpriv execs the command (runuser would stay as PID 1 and not pass the stop signal on).
as_postgres='setpriv --reuid=postgres --regid=postgres --init-groups'
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  install -d -o postgres -g postgres -m 700 "$PGDATA"
  printf '%s\n' "$POSTGRES_PASSWORD" > /tmp/pwfile
  chown postgres /tmp/pwfile
  $as_postgres initdb -D "$PGDATA" -U "$POSTGRES_USER" --pwfile=/tmp/pwfile --auth-local=trust --auth-host=scram-sha-256 > /dev/null
  rm /tmp/pwfile
  echo 'host all all all scram-sha-256' >> "$PGDATA/pg_hba.conf"
  echo "CREATE DATABASE \"$POSTGRES_DB\"" | $as_postgres postgres --single -D "$PGDATA" postgres > /dev/null
fi
exec $as_postgres postgres -D "$PGDATA" -c listen_addresses='*'
