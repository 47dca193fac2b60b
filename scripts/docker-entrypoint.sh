#!/bin/sh
# The image's entrypoint.
#   (no arguments) or `serve [OPTIONS]`: `inkwell migrate`, then exec `inkwell serve` on
#       $HOST:$PORT with $WORKERS workers (defaults 0.0.0.0, 8000, 2); OPTIONS are passed on and
#       win over those (e.g. `serve --workers 4`). MIGRATE=false skips the migration.
#   `--option ...`: the same as `serve --option ...`.
#   anything else: run it as it is, e.g. `inkwell check`, `inkwell seed`, `sh`.
# Set the port with PORT rather than `--port`: the image's HEALTHCHECK reads PORT.
# `exec` makes the server this container's PID 1, so SIGTERM reaches uvicorn, which stops
# accepting connections and lets in-flight requests finish before it exits with status 0.
set -eu

if [ "$#" -eq 0 ] || [ "${1#-}" != "$1" ]; then
    set -- serve "$@"
fi

if [ "$1" = serve ]; then
    shift
    if [ "${MIGRATE:-true}" != false ]; then
        inkwell migrate
    fi
    exec inkwell serve --host "${HOST:-0.0.0.0}" --port "${PORT:-8000}" \
        --workers "${WORKERS:-2}" "$@"
fi

exec "$@"
