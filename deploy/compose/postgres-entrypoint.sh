#!/bin/sh
# Entrypoint of postgres.Containerfile: initializes $PGDATA on the first start as the official
# postgres image does (same variables), then execs the server, listening on every address.
set -eu

if [ "${1:-postgres}" != postgres ]; then
    exec "$@"
fi

PGUSER_NAME=${POSTGRES_USER:-postgres}
PGDB_NAME=${POSTGRES_DB:-$PGUSER_NAME}
PGPORT=${PGPORT:-5432}

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    auth=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
    if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$auth" != trust ]; then
        echo "postgres: POSTGRES_PASSWORD is not set (or set POSTGRES_HOST_AUTH_METHOD=trust)" >&2
        exit 1
    fi
    pwfile=$(mktemp)
    printf '%s\n' "${POSTGRES_PASSWORD:-}" >"$pwfile"
    # shellcheck disable=SC2086  # POSTGRES_INITDB_ARGS is a list of flags, as in the official image
    initdb --username="$PGUSER_NAME" --pwfile="$pwfile" --auth-local=trust \
        --auth-host="$auth" --encoding=UTF8 ${POSTGRES_INITDB_ARGS:-} >/dev/null
    rm -f "$pwfile"
    echo "host all all all $auth" >>"$PGDATA/pg_hba.conf"
    if [ "$PGDB_NAME" != postgres ]; then
        # Single-user mode: nothing listens until the database exists.
        echo "CREATE DATABASE \"$PGDB_NAME\" OWNER \"$PGUSER_NAME\";" \
            | postgres --single -D "$PGDATA" postgres >/dev/null
    fi
    echo "postgres: initialized $PGDATA (user $PGUSER_NAME, database $PGDB_NAME)"
fi

if [ "$#" -gt 0 ]; then shift; fi
exec postgres -c listen_addresses='*' -p "$PGPORT" "$@"
