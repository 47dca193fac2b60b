#!/usr/bin/env bash
# Container smoke test: build the image with podman, run it against a fresh PostgreSQL database,
# drive the API through it, check the health check and a clean SIGTERM shutdown, then remove
# everything it created (container, image, its dangling stage images, database).
#
#   bash scripts/container-smoke.sh
#
# Needs: root (podman, see ../shared/tools/CONTAINERS.md), PostgreSQL on 127.0.0.1:5432 with user
# postgres and trust auth, curl, python3, createdb/dropdb. The last line is `container smoke: ok`.
# Knobs: CONTAINER_BASE (path of container-base.sh), BASE_IMAGE, READY_TIMEOUT (s, default 90),
# STOP_LIMIT (s, default 15), KEEP_IMAGE=1 (keep the built image and its stage images).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

CONTAINER_BASE=${CONTAINER_BASE:-$ROOT/../shared/tools/container-base.sh}
BASE_IMAGE=${BASE_IMAGE:-localhost/python-base:bookworm}
READY_TIMEOUT=${READY_TIMEOUT:-90}
STOP_LIMIT=${STOP_LIMIT:-15}
PGHOST=127.0.0.1
PGPORT=5432
PGUSER=postgres
export PGHOST PGPORT PGUSER

log() { printf '[container-smoke %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
FAILURE=""
fail() { FAILURE=$*; log "FAIL: $*"; exit 1; }
now_ms() { date +%s%3N; }
secs_since() { awk -v a="$1" -v b="$(now_ms)" 'BEGIN { printf "%.1f", (b - a) / 1000 }'; }

for tool in curl python3 createdb dropdb psql; do
    command -v "$tool" >/dev/null 2>&1 || fail "$tool is required"
done
[ -f "$CONTAINER_BASE" ] || fail "no $CONTAINER_BASE (set CONTAINER_BASE)"
log "preparing podman and the base image ($BASE_IMAGE)"
eval "$(bash "$CONTAINER_BASE" --env)"
: "${PODMAN:?}" "${BUILD_FLAGS:?}" "${RUN_FLAGS:?}"

# Names unique to this run, so runs never collide and cleanup touches only what this run made.
RUN_ID="$(date +%Y%m%d%H%M%S)_$$_${RANDOM}"
NAME="inkwell-smoke-${RUN_ID//_/-}"
IMAGE="localhost/inkwell-smoke:${RUN_ID//_/-}"
DB="inkwell_smoke_${RUN_ID}"

CREATED_DB=0
CREATED_CONTAINER=0
BUILT=0
INFLIGHT=""
BEFORE_IMAGES=$(mktemp)
AFTER_IMAGES=$(mktemp)

# Removes what this run created; each step once. Non-zero when something could not be removed.
remove_created() {
    local left=0 id
    if [ "$CREATED_CONTAINER" = 1 ]; then
        $PODMAN rm --force --time 5 "$NAME" >/dev/null 2>&1 || { log "could not remove container $NAME"; left=1; }
        CREATED_CONTAINER=0
    fi
    if [ "$BUILT" = 1 ] && [ -z "${KEEP_IMAGE:-}" ]; then
        $PODMAN rmi --force "$IMAGE" >/dev/null 2>&1
        # Stage and intermediate images this build added: only untagged ones, newest first
        # (removing one may already have removed its untagged parents).
        $PODMAN images --all --no-trunc --format '{{.ID}}' | sort -u >"$AFTER_IMAGES"
        while read -r _ id; do
            $PODMAN image exists "$id" || continue
            $PODMAN rmi "$id" >/dev/null 2>&1 || { log "could not remove image $id"; left=1; }
        done < <(comm -13 "$BEFORE_IMAGES" "$AFTER_IMAGES" | while read -r id; do
            if [ -z "$($PODMAN image inspect --format '{{join .RepoTags ","}}' "$id" 2>/dev/null)" ]; then
                echo "$($PODMAN image inspect --format '{{.Created.Unix}}' "$id" 2>/dev/null || echo 0) $id"
            fi
        done | sort -rn)
        if $PODMAN image exists "$IMAGE"; then log "could not remove image $IMAGE"; left=1; fi
        BUILT=0
    fi
    if [ "$CREATED_DB" = 1 ]; then
        dropdb --if-exists --force "$DB" || { log "could not drop database $DB"; left=1; }
        CREATED_DB=0
    fi
    return "$left"
}

cleanup() {
    local status=$?
    set +e
    if [ "$status" != 0 ] && [ "$CREATED_CONTAINER" = 1 ]; then
        log "container logs (last 60 lines):"
        $PODMAN logs --tail 60 "$NAME" >&2 2>&1
    fi
    remove_created
    rm -rf "$BEFORE_IMAGES" "$AFTER_IMAGES" ${INFLIGHT:+"$INFLIGHT"}
    if [ "$status" != 0 ]; then
        echo "container smoke: FAILED (${FAILURE:-exit status $status})" >&2
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- build ----
$PODMAN images --all --no-trunc --format '{{.ID}}' | sort -u >"$BEFORE_IMAGES"
log "building $IMAGE"
BUILD_LOG=$(mktemp)
started=$(now_ms)
BUILT=1
# BUILD_FLAGS is a list of flags: split it on purpose.
# shellcheck disable=SC2086
if ! $PODMAN build $BUILD_FLAGS --build-arg BASE_IMAGE="$BASE_IMAGE" -t "$IMAGE" -f Dockerfile . \
    >"$BUILD_LOG" 2>&1; then
    tail -40 "$BUILD_LOG" >&2
    rm -f "$BUILD_LOG"
    fail "image build failed"
fi
rm -f "$BUILD_LOG"
BUILD_TIME=$(secs_since "$started")
IMAGE_SIZE=$($PODMAN image inspect --format '{{.Size}}' "$IMAGE")
IMAGE_USER=$($PODMAN image inspect --format '{{.Config.User}}' "$IMAGE")
log "built in ${BUILD_TIME}s, $((IMAGE_SIZE / 1000000)) MB, user $IMAGE_USER"
case "$IMAGE_USER" in "" | root | 0 | 0:*) fail "the image runs as root" ;; esac

# ---- database ----
createdb "$DB"
CREATED_DB=1
log "created database $DB"

# ---- run ----
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
JWT_SECRET=$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')
export JWT_SECRET   # passed by name (-e JWT_SECRET), so it is not on podman's command line
BASE="http://127.0.0.1:$PORT"
started=$(now_ms)
# RUN_FLAGS is a list of flags: split it on purpose.
# shellcheck disable=SC2086
$PODMAN run -d --name "$NAME" $RUN_FLAGS \
    -e DATABASE_URL="postgresql+asyncpg://postgres@127.0.0.1:5432/$DB" \
    -e PORT="$PORT" -e JWT_SECRET "$IMAGE" >/dev/null
CREATED_CONTAINER=1
log "started $NAME on port $PORT"

ready=""
deadline=$(($(date +%s) + READY_TIMEOUT))
while [ "$(date +%s)" -lt "$deadline" ]; do
    if [ "$($PODMAN inspect "$NAME" --format '{{.State.Running}}')" != true ]; then
        fail "the container exited before it was ready (exit code $($PODMAN inspect "$NAME" --format '{{.State.ExitCode}}'))"
    fi
    ready=$(curl -s -m 3 "$BASE/health/ready" -w '\n%{http_code}' || true)
    [ "${ready##*$'\n'}" = 200 ] && break
    sleep 0.5
done
[ "${ready##*$'\n'}" = 200 ] || fail "/health/ready did not answer 200 within ${READY_TIMEOUT}s"
READY_TIME=$(secs_since "$started")
revision=$(printf '%s' "${ready%$'\n'*}" | python3 -c 'import json, sys; print(json.load(sys.stdin)["revision"])')
[ "$revision" != unknown ] || fail "ready, but the image ships no migrations"
log "ready in ${READY_TIME}s (database at revision $revision)"

# ---- API ----
# request METHOD PATH EXPECTED_STATUS [curl args...]: prints the body, fails on another status.
request() {
    local method=$1 path=$2 expected=$3 out
    shift 3
    out=$(curl -s -m 10 -X "$method" "$BASE$path" -w '\n%{http_code}' "$@") || fail "$method $path: curl failed"
    if [ "${out##*$'\n'}" != "$expected" ]; then
        fail "$method $path: expected $expected, got ${out##*$'\n'}: ${out%$'\n'*}"
    fi
    printf '%s' "${out%$'\n'*}"
}
json_get() { python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

username="smoke_${RANDOM}${RANDOM}"
password="smoke-$(python3 -c 'import secrets; print(secrets.token_hex(8))')"
user=$(request POST /users/ 201 -H 'Content-Type: application/json' -d "$(
    python3 -c 'import json, sys; print(json.dumps({"username": sys.argv[1], "email": sys.argv[1] + "@example.com", "password": sys.argv[2], "full_name": "Container Smoke"}))' \
        "$username" "$password"
)")
user_id=$(json_get id <<<"$user")
log "registered $username (id $user_id)"

token=$(request POST /auth/token 200 --data-urlencode "username=$username" \
    --data-urlencode "password=$password" | json_get access_token)
log "logged in"

title="Container smoke $RUN_ID"
post=$(request POST "/users/$user_id/posts/" 201 -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' -d "$(
        python3 -c 'import json, sys; print(json.dumps({"title": sys.argv[1], "body": "Written through the container image.", "published": True, "tags": ["smoke", "containers"]}))' \
            "$title"
    )")
post_id=$(json_get id <<<"$post")
log "created post $post_id"

request GET "/posts/$post_id" 200 | python3 -c '
import json, sys
post = json.load(sys.stdin)
title, tags = post["title"], sorted(tag["name"] for tag in post["tags"])
if title != sys.argv[1] or tags != ["containers", "smoke"]:
    sys.exit(f"post read back wrong: title {title!r}, tags {tags}")
' "$title" || fail "GET /posts/$post_id returned another post"
log "read post $post_id back: title and tags match"

# ---- health check (no systemd here, so podman never runs it by itself) ----
$PODMAN healthcheck run "$NAME" >/dev/null 2>&1 || fail "podman healthcheck run $NAME: unhealthy"
log "healthcheck passed"

# ---- graceful stop, with requests in flight (argon2 makes a login take a while) ----
INFLIGHT=$(mktemp -d)
for i in 1 2 3 4; do
    curl -s -m 30 -o /dev/null -w '%{http_code}\n' -X POST "$BASE/auth/token" \
        --data-urlencode "username=$username" --data-urlencode "password=$password" \
        >"$INFLIGHT/$i" 2>/dev/null &
done
sleep 0.3
started=$(now_ms)
$PODMAN stop -t 20 "$NAME" >/dev/null
STOP_TIME=$(secs_since "$started")
wait
statuses=$(cat "$INFLIGHT"/* | tr '\n' ' ')
rm -rf "$INFLIGHT"
[ "$statuses" = "200 200 200 200 " ] || fail "logins in flight at SIGTERM got: $statuses(want four 200s)"
exit_code=$($PODMAN inspect "$NAME" --format '{{.State.ExitCode}}')
[ "$exit_code" = 0 ] || fail "exit code $exit_code after SIGTERM (137 means it had to be killed)"
awk -v t="$STOP_TIME" -v limit="$STOP_LIMIT" 'BEGIN { exit !(t < limit) }' \
    || fail "took ${STOP_TIME}s to stop (limit ${STOP_LIMIT}s)"
log "stopped by SIGTERM in ${STOP_TIME}s, exit code 0; the 4 logins in flight got 200"

remove_created || fail "could not remove everything this run created"
if [ -n "${KEEP_IMAGE:-}" ]; then
    log "removed the container and database $DB; kept $IMAGE (KEEP_IMAGE)"
else
    log "removed the container, the image, its stage images and database $DB"
fi
log "timings: build ${BUILD_TIME}s, ready ${READY_TIME}s, stop ${STOP_TIME}s; image $((IMAGE_SIZE / 1000000)) MB"
echo "container smoke: ok"
