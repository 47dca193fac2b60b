#!/usr/bin/env bash
# `make deploy-check`: runs compose.yaml for real with podman-compose and images built here, and
# removes everything it made. Steps: install podman and podman-compose when missing and the local
# base images (../shared/tools/container-base.sh); build the app image (Dockerfile) and the
# PostgreSQL and HAProxy images (deploy/compose/*.Containerfile); `podman-compose up -d` under a
# project name of its own, on a free port, with fresh secrets; wait until PostgreSQL, the migration,
# both instances (their compose health checks) and the load balancer are ready; a black-box pass
# through the load balancer (scripts/deploy_probe.py: register, log in, post, transfer, read back);
# then, while requests run through the load balancer without pause, stop and start each instance
# in turn (each must stop on SIGTERM with status 0 and come back into HAProxy's rotation), and no
# request may fail; then `down` and `up` again, and the data must still be there (the volume);
# finally `down -v`, and the images, stage images and network it created are removed (never the
# base images); then the Kubernetes Deployment (deploy/k8s) with `podman kube play`, the same app
# image, against a database of its own on the host's PostgreSQL: the init container migrates, the
# app answers its readiness probe (kube stage below); the pod, its volume, secret and database are
# removed. Timings on the last lines; the last one is `deploy check: ok`.
#
# Needs root (podman, see ../shared/tools/CONTAINERS.md), apt-get (to install what is missing),
# curl, python3, psql, and PostgreSQL on the host for the kube stage. Knobs: CONTAINER_BASE (path
# of container-base.sh), READY_TIMEOUT (s, default 180), KEEP_IMAGES=1 (keep the three built images
# and their layers: the next build is cached), KUBE_PGHOST/KUBE_PGPORT/KUBE_PGUSER (the host's
# PostgreSQL, where the kube stage creates and drops its database; default 127.0.0.1, 5432,
# postgres; PGPASSWORD is passed on).
#
# podman on these machines: the runtime must be runc and every container needs explicit ulimits
# (container-base.sh's RUN_FLAGS); they reach podman-compose through --podman-args and
# --podman-run-args, compose.yaml stays as it is. Health checks never run by themselves here
# (no systemd): this script runs each service's compose health check with `podman healthcheck run`.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

CONTAINER_BASE=${CONTAINER_BASE:-$ROOT/../shared/tools/container-base.sh}
PYTHON_BASE=localhost/python-base:bookworm
DEBIAN_BASE=localhost/debian-minbase:bookworm
READY_TIMEOUT=${READY_TIMEOUT:-180}

log() { printf '[deploy-check %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
FAILURE=""
fail() { FAILURE=$*; log "FAIL: $*"; exit 1; }
now_ms() { date +%s%3N; }
secs_since() { awk -v a="$1" -v b="$(now_ms)" 'BEGIN { printf "%.1f", (b - a) / 1000 }'; }
TIMINGS=()
timed() { TIMINGS+=("$1 $(secs_since "$2")s"); }
START=$(now_ms)

# ---- tools ----
started=$(now_ms)
[ -f "$CONTAINER_BASE" ] || fail "no $CONTAINER_BASE (set CONTAINER_BASE)"
missing=()
command -v podman-compose >/dev/null 2>&1 || missing+=(podman-compose)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
if [ ${#missing[@]} -gt 0 ]; then
    command -v apt-get >/dev/null 2>&1 || fail "missing ${missing[*]} and no apt-get to install them"
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
fi
log "preparing podman and the base images ($PYTHON_BASE, $DEBIAN_BASE)"
eval "$(bash "$CONTAINER_BASE" --env)"
: "${PODMAN:?}" "${BUILD_FLAGS:?}" "${RUN_FLAGS:?}"
$PODMAN image exists "$DEBIAN_BASE" || fail "container-base.sh left no $DEBIAN_BASE"
# podman-compose runs `podman` itself: the runtime and the ulimits of RUN_FLAGS go with it.
RUNTIME=${PODMAN#podman}
ULIMITS=$(grep -o -- '--ulimit [^ ]*' <<<"$RUN_FLAGS" | tr '\n' ' ')
timed tools "$started"

# Names unique to this run: runs never collide, and cleanup touches only what this run made.
RUN_ID="$(date +%Y%m%d%H%M%S)$$${RANDOM}"
PROJECT="inkwelldc${RUN_ID}"
APP_IMAGE="localhost/inkwell-deploycheck:${RUN_ID}"
PG_IMAGE="localhost/inkwell-deploycheck-postgres:${RUN_ID}"
LB_IMAGE="localhost/inkwell-deploycheck-haproxy:${RUN_ID}"
WORK=$(mktemp -d)
ENV_FILE="$WORK/inkwell.env"
COMPOSE_LOG="$WORK/compose.log"
STARTED_COMPOSE=0
BUILT=0
# The kube stage (names podman and PostgreSQL would accept, unique to this run).
KUBE_NAME="inkwellk8s${RUN_ID}"
KUBE_POD="$KUBE_NAME-pod-0"
KUBE_DB="inkwell_kube_${RUN_ID}"
KUBE_DIR="$WORK/kube"
KUBE_PGHOST=${KUBE_PGHOST:-127.0.0.1}
KUBE_PGPORT=${KUBE_PGPORT:-5432}
KUBE_PGUSER=${KUBE_PGUSER:-postgres}
STARTED_KUBE=0
KUBE_SECRET=0
KUBE_DB_MADE=0
LOOP_PID=""
$PODMAN images --all --no-trunc --format '{{.ID}}' | sort -u >"$WORK/images.before"

compose() {
    # RUNTIME and ULIMITS are lists of flags, each passed as one string podman-compose splits.
    podman-compose --podman-args "$RUNTIME" --podman-run-args "$ULIMITS" \
        -p "$PROJECT" -f "$ROOT/compose.yaml" "$@" >>"$COMPOSE_LOG" 2>&1
}
container() { # the container of service $1
    $PODMAN ps -a --format '{{.Names}}' --filter "label=io.podman.compose.project=$PROJECT" \
        --filter "label=com.docker.compose.service=$1" | head -n 1
}

kube_psql() { # SQL on the host's PostgreSQL (the maintenance database)
    psql -X -q -v ON_ERROR_STOP=1 -h "$KUBE_PGHOST" -p "$KUBE_PGPORT" -U "$KUBE_PGUSER" -d postgres "$@"
}

# Removes what the kube stage created. Non-zero when something could not be removed.
remove_kube() {
    local left=0
    if [ "$STARTED_KUBE" = 1 ]; then
        $PODMAN kube down "$KUBE_DIR/kube.yaml" >>"$KUBE_DIR/kube.log" 2>&1 || log "podman kube down failed"
        if $PODMAN pod exists "$KUBE_POD"; then
            $PODMAN pod rm --force "$KUBE_POD" >/dev/null 2>&1 || { log "could not remove pod $KUBE_POD"; left=1; }
        fi
        # The emptyDir's volume (render_k8s.py names it); kube down removes it with the pod.
        if $PODMAN volume exists "$KUBE_NAME-tmp"; then
            $PODMAN volume rm --force "$KUBE_NAME-tmp" >/dev/null 2>&1 || { log "could not remove volume $KUBE_NAME-tmp"; left=1; }
        fi
        STARTED_KUBE=0
    fi
    if [ "$KUBE_SECRET" = 1 ]; then
        $PODMAN secret rm "$KUBE_NAME-secrets" >/dev/null 2>&1 || { log "could not remove secret $KUBE_NAME-secrets"; left=1; }
        KUBE_SECRET=0
    fi
    if [ "$KUBE_DB_MADE" = 1 ]; then
        kube_psql -c "DROP DATABASE IF EXISTS $KUBE_DB WITH (FORCE)" || { log "could not drop database $KUBE_DB"; left=1; }
        KUBE_DB_MADE=0
    fi
    return "$left"
}

# Removes what podman-compose created. Non-zero when something could not be removed.
remove_compose() {
    local left=0 id
    if [ "$STARTED_COMPOSE" = 1 ]; then
        compose down -v || log "podman-compose down failed (see below)"
        # Whatever down left (a failed run may have left any of it).
        for id in $($PODMAN ps -a -q --filter "label=io.podman.compose.project=$PROJECT"); do
            $PODMAN rm --force --time 5 "$id" >/dev/null 2>&1 || { log "could not remove container $id"; left=1; }
        done
        for id in $($PODMAN volume ls -q --filter "label=io.podman.compose.project=$PROJECT"); do
            $PODMAN volume rm --force "$id" >/dev/null 2>&1 || { log "could not remove volume $id"; left=1; }
        done
        for id in $($PODMAN network ls -q --filter "label=io.podman.compose.project=$PROJECT"); do
            $PODMAN network rm --force "$id" >/dev/null 2>&1 || { log "could not remove network $id"; left=1; }
        done
        STARTED_COMPOSE=0
    fi
    return "$left"
}

# Removes what this run created, each step once. Non-zero when something could not be removed.
remove_created() {
    local left=0 id
    remove_kube || left=1
    remove_compose || left=1
    if [ "$BUILT" = 1 ] && [ -z "${KEEP_IMAGES:-}" ]; then
        $PODMAN rmi --force "$APP_IMAGE" "$PG_IMAGE" "$LB_IMAGE" >/dev/null 2>&1
        # Stage and intermediate images the builds added: only untagged ones, newest first
        # (removing one may already have removed its untagged parents).
        $PODMAN images --all --no-trunc --format '{{.ID}}' | sort -u >"$WORK/images.after"
        while read -r _ id; do
            $PODMAN image exists "$id" || continue
            $PODMAN rmi "$id" >/dev/null 2>&1 || { log "could not remove image $id"; left=1; }
        done < <(comm -13 "$WORK/images.before" "$WORK/images.after" | while read -r id; do
            if [ -z "$($PODMAN image inspect --format '{{join .RepoTags ","}}' "$id" 2>/dev/null)" ]; then
                echo "$($PODMAN image inspect --format '{{.Created.Unix}}' "$id" 2>/dev/null || echo 0) $id"
            fi
        done | sort -rn)
        for id in "$APP_IMAGE" "$PG_IMAGE" "$LB_IMAGE"; do
            if $PODMAN image exists "$id"; then log "could not remove image $id"; left=1; fi
        done
        BUILT=0
    fi
    return "$left"
}

cleanup() {
    local status=$? service
    set +e
    if [ -n "$LOOP_PID" ]; then
        touch "$WORK/stop"
        wait "$LOOP_PID" 2>/dev/null
    fi
    if [ "$status" != 0 ] && [ "$STARTED_COMPOSE" = 1 ]; then
        log "answers other than 2xx in HAProxy's log:"
        $PODMAN logs "$(container lb)" 2>&1 | grep -E ' -?[0-9]+/-?[0-9]+/-?[0-9]+/-?[0-9]+/-?[0-9]+ [^23][0-9]{2} ' | tail -n 10 >&2
        log "podman-compose output (last 30 lines):"
        tail -n 30 "$COMPOSE_LOG" >&2
        for service in postgres migrate app1 app2 lb; do
            log "logs of $service (last 25 lines):"
            $PODMAN logs --tail 25 "$(container "$service")" >&2 2>&1
        done
    fi
    if [ "$status" != 0 ] && [ "$STARTED_KUBE" = 1 ]; then
        log "podman kube play output (last 20 lines):"
        tail -n 20 "$KUBE_DIR/kube.log" >&2
        for service in migrate inkwell; do
            # The init container is removed once it has succeeded.
            $PODMAN container exists "$KUBE_POD-$service" || continue
            log "logs of the pod's $service container (last 25 lines):"
            $PODMAN logs --tail 25 "$KUBE_POD-$service" >&2 2>&1
        done
    fi
    remove_created
    rm -rf "$WORK"
    if [ "$status" != 0 ]; then
        echo "deploy check: FAILED (${FAILURE:-exit status $status})" >&2
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- build ----
build() { # image, base image, containerfile, context
    local started log="$WORK/build.log"
    started=$(now_ms)
    # BUILD_FLAGS is a list of flags: split it on purpose.
    # shellcheck disable=SC2086
    if ! $PODMAN build $BUILD_FLAGS --build-arg BASE_IMAGE="$2" -t "$1" -f "$3" "$4" >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        fail "building $1 failed"
    fi
    timed "build-${3##*/}" "$started"
    log "built $1 in $(secs_since "$started")s"
}
BUILT=1
build "$APP_IMAGE" "$PYTHON_BASE" Dockerfile .
build "$PG_IMAGE" "$DEBIAN_BASE" deploy/compose/postgres.Containerfile deploy/compose
build "$LB_IMAGE" "$DEBIAN_BASE" deploy/compose/haproxy.Containerfile deploy/compose

# ---- up ----
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
secret() { python3 -c 'import secrets; print(secrets.token_hex(int(__import__("sys").argv[1])))' "$1"; }
PG_PASSWORD=$(secret 16)
(
    umask 077
    cat >"$ENV_FILE" <<EOF
JWT_SECRET=$(secret 32)
POSTGRES_USER=inkwell
POSTGRES_PASSWORD=$PG_PASSWORD
POSTGRES_DB=inkwell
DATABASE_URL=postgresql+asyncpg://inkwell:$PG_PASSWORD@postgres:5432/inkwell
EOF
)
export INKWELL_IMAGE=$APP_IMAGE POSTGRES_IMAGE=$PG_IMAGE HAPROXY_IMAGE=$LB_IMAGE
export INKWELL_ENV_FILE=$ENV_FILE INKWELL_BIND=127.0.0.1 INKWELL_PORT=$PORT

# wait_ready: every service ready, within READY_TIMEOUT; logs when each got there.
wait_ready() {
    local started=$1 deadline name state ready="" service answer
    deadline=$(($(date +%s) + READY_TIMEOUT))
    declare -A done_at=()
    while [ "$(date +%s)" -lt "$deadline" ]; do
        for service in postgres migrate app1 app2 lb; do
            [ -n "${done_at[$service]:-}" ] && continue
            name=$(container "$service")
            [ -n "$name" ] || fail "podman-compose created no container for $service"
            case "$service" in
                migrate)
                    state=$($PODMAN inspect "$name" --format '{{.State.Status}} {{.State.ExitCode}}')
                    case "$state" in
                        "exited 0") ready=1 ;;
                        exited*) fail "the migration exited with status ${state#exited }" ;;
                        *) ready= ;;
                    esac ;;
                lb)
                    answer=$(curl -s -o /dev/null -m 3 -w '%{http_code}' "$BASE/health/ready" || true)
                    [ "$answer" = 200 ] && ready=1 || ready= ;;
                *)
                    $PODMAN healthcheck run "$name" >/dev/null 2>&1 && ready=1 || ready= ;;
            esac
            if [ -n "$ready" ]; then
                done_at[$service]=$(secs_since "$started")
                log "$service ready after ${done_at[$service]}s"
            fi
        done
        [ ${#done_at[@]} = 5 ] && return 0
        sleep 0.5
    done
    fail "not ready within ${READY_TIMEOUT}s (ready: ${!done_at[*]})"
}

log "podman-compose up -d (project $PROJECT, load balancer on $BASE)"
started=$(now_ms)
STARTED_COMPOSE=1
compose up -d || fail "podman-compose up -d failed"
wait_ready "$started"
timed up-ready "$started"

# ---- black-box pass through the load balancer ----
started=$(now_ms)
python3 scripts/deploy_probe.py pass "$BASE" >"$WORK/state.json" || fail "the black-box pass failed"
timed black-box "$started"

# ---- rolling restart under load ----
started=$(now_ms)
python3 scripts/deploy_probe.py loop "$BASE" "$WORK/state.json" "$WORK/stop" >"$WORK/loop.out" 2>&1 &
LOOP_PID=$!
sleep 2
LB=$(container lb)
for service in app1 app2; do
    name=$(container "$service")
    server="inkwell${service#app}"
    since=$(date +%s)
    t0=$(now_ms)
    $PODMAN stop -t 30 "$name" >/dev/null
    code=$($PODMAN inspect "$name" --format '{{.State.ExitCode}}')
    [ "$code" = 0 ] || fail "$service exited with status $code on SIGTERM (137: it had to be killed)"
    stopped=$(secs_since "$t0")
    # Whatever the instance logs from now on is the new process's (the old one is gone).
    restarted=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)
    $PODMAN start "$name" >/dev/null
    # Back in rotation: HAProxy says so when its checks find the instance ready again,
    # if they had found it down; when its DNS found the new address first (a fast
    # restart), it never marks the server down, nor up again: then the instance serving
    # the load's requests again says it. (grep -c reads all of a long log: grep -q would
    # stop podman with SIGPIPE, a failed pipeline under pipefail.)
    deadline=$(($(date +%s) + 90))
    until $PODMAN logs --since "$since" "$LB" 2>&1 | grep -q "Server inkwell/$server is UP" \
        || $PODMAN logs --since "$restarted" "$name" 2>&1 | grep -c '"route": "/posts/' >/dev/null; do
        [ "$(date +%s)" -lt "$deadline" ] || fail "$service did not come back into HAProxy's rotation within 90s"
        sleep 0.25
    done
    log "$service stopped on SIGTERM in ${stopped}s (status 0), back in rotation after $(secs_since "$t0")s"
done
sleep 2
touch "$WORK/stop"
loop_status=0
wait "$LOOP_PID" || loop_status=$?
LOOP_PID=""
log "requests during the restarts: $(cat "$WORK/loop.out")"
[ "$loop_status" = 0 ] || fail "requests failed while the instances restarted"
timed rolling-restart "$started"

# ---- the data outlives the containers (the volume) ----
started=$(now_ms)
compose down || fail "podman-compose down failed"
[ -z "$(container postgres)" ] || fail "podman-compose down left the containers"
compose up -d || fail "podman-compose up -d (again) failed"
wait_ready "$started"
post_id=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["post_id"])' "$WORK/state.json")
answer=$(curl -s -o /dev/null -m 10 -w '%{http_code}' "$BASE/posts/$post_id")
[ "$answer" = 200 ] || fail "after down and up, GET /posts/$post_id answered $answer"
log "after down and up, post $post_id is still there"
timed down-up "$started"

started=$(now_ms)
remove_compose || fail "could not remove everything podman-compose created"
log "removed the compose containers, volume and network"
timed compose-teardown "$started"

# ---- kube: the Deployment under `podman kube play` ----
# scripts/render_k8s.py renders deploy/k8s as `kubectl apply -k` would and changes a copy only
# where podman 4.3.1 cannot take it (it logs each change): the image just built, the Secret as a
# podman secret, a free host port, one replica, restartPolicy OnFailure (4.3 restarts a
# succeeded init container otherwise), names unique to this run. The pod runs on slirp4netns
# with the host's loopback reachable at 10.0.2.2 (PostgreSQL listens on 127.0.0.1 only).
# kube play takes no --ulimit: a containers.conf of its own gives RUN_FLAGS' ulimits (it
# replaces /usr/share/containers/containers.conf, whose settings are podman's defaults here).
# podman 4.3.1 ignores readinessProbe (and runs no probe at all without systemd), so the
# readiness probe is run from the host, as the kubelet runs it from the node: its path and
# timeout from the manifest, against the pod's port.
started=$(now_ms)
mkdir -m 700 "$KUBE_DIR"
KUBE_PYTHON=python3
if [ -x "$ROOT/.venv/bin/python" ]; then KUBE_PYTHON=$ROOT/.venv/bin/python; fi
"$KUBE_PYTHON" -c 'import yaml' 2>/dev/null || fail "$KUBE_PYTHON has no PyYAML (make install, or apt-get install python3-yaml)"
KUBE_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
kube_psql -c "CREATE DATABASE $KUBE_DB" || fail "could not create database $KUBE_DB on $KUBE_PGHOST:$KUBE_PGPORT"
KUBE_DB_MADE=1
db_password=""
if [ -n "${PGPASSWORD:-}" ]; then
    db_password=":$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$PGPASSWORD")"
fi
db_host=$KUBE_PGHOST
if [ "$db_host" = 127.0.0.1 ] || [ "$db_host" = localhost ]; then db_host=10.0.2.2; fi
cat >"$KUBE_DIR/secret.env" <<EOF
DATABASE_URL=postgresql+asyncpg://$KUBE_PGUSER$db_password@$db_host:$KUBE_PGPORT/$KUBE_DB
JWT_SECRET=$(secret 32)
METRICS_TOKEN=$(secret 32)
EOF
"$KUBE_PYTHON" scripts/render_k8s.py podman "$KUBE_DIR" "$KUBE_DIR/secret.env" "$APP_IMAGE" "$KUBE_NAME" "$KUBE_PORT" \
    2>"$KUBE_DIR/render.log" || { cat "$KUBE_DIR/render.log" >&2; fail "rendering deploy/k8s failed"; }
while read -r line; do log "$line"; done <"$KUBE_DIR/render.log"
printf '[containers]\ndefault_ulimits = [%s]\n' \
    "$(grep -o -- '--ulimit [^ ]*' <<<"$RUN_FLAGS" | sed 's/--ulimit \(.*\)/"\1"/' | paste -sd, -)" >"$KUBE_DIR/containers.conf"
KUBE_SECRET=1
$PODMAN secret create "$KUBE_NAME-secrets" "$KUBE_DIR/secret.json" >/dev/null || fail "podman secret create failed"
log "podman kube play (pod $KUBE_POD, database $KUBE_DB, port $KUBE_PORT)"
STARTED_KUBE=1
# kube play returns once the init container has run (4.3 then removes it: its "once" type).
CONTAINERS_CONF="$KUBE_DIR/containers.conf" $PODMAN kube play \
    --network slirp4netns:allow_host_loopback=true "$KUBE_DIR/kube.yaml" >"$KUBE_DIR/kube.log" 2>&1 \
    || fail "podman kube play failed"
revision=$(kube_psql -d "$KUBE_DB" -tA -c 'SELECT version_num FROM alembic_version') \
    || fail "the init container did not migrate $KUBE_DB"
[ -n "$revision" ] || fail "the init container did not migrate $KUBE_DB"
log "the init container migrated $KUBE_DB to revision $revision after $(secs_since "$started")s"
read -r probe_path probe_timeout < <("$KUBE_PYTHON" -c '
import sys, yaml
[deployment] = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d["kind"] == "Deployment"]
[app] = deployment["spec"]["template"]["spec"]["containers"]
probe = app["readinessProbe"]
print(probe["httpGet"]["path"], probe["timeoutSeconds"])' "$KUBE_DIR/kube.yaml")
deadline=$(($(date +%s) + READY_TIMEOUT))
answer=""
until answer=$(curl -s -o "$KUBE_DIR/ready.json" -m "$probe_timeout" -w '%{http_code}' "http://127.0.0.1:$KUBE_PORT$probe_path") \
    && [ "$answer" = 200 ]; do
    state=$($PODMAN inspect "$KUBE_POD-inkwell" --format '{{.State.Status}}' 2>/dev/null || echo gone)
    case "$state" in running | created | configured) ;; *) fail "the pod's app container is $state" ;; esac
    [ "$(date +%s)" -lt "$deadline" ] || fail "the readiness probe did not pass within ${READY_TIMEOUT}s (last answer ${answer:-none})"
    sleep 0.5
done
grep -q "\"revision\":\"$revision\"" "$KUBE_DIR/ready.json" \
    || fail "the readiness probe answered $(cat "$KUBE_DIR/ready.json"), not revision $revision"
state=$($PODMAN inspect "$KUBE_POD-inkwell" \
    --format '{{.State.Status}}, {{.RestartCount}} restarts, read-only root {{.HostConfig.ReadonlyRootfs}}, user {{.Config.User}}')
log "readiness probe (GET $probe_path, ${probe_timeout}s) passed after $(secs_since "$started")s: $(cat "$KUBE_DIR/ready.json"); app container $state"
timed kube-ready "$started"
started=$(now_ms)
remove_kube || fail "could not remove everything the kube stage created"
log "removed the pod, its volume, the podman secret and database $KUBE_DB"
timed kube-teardown "$started"

# ---- images ----
started=$(now_ms)
remove_created || fail "could not remove everything this run created"
timed teardown "$started"
if [ -n "${KEEP_IMAGES:-}" ]; then
    log "kept $APP_IMAGE $PG_IMAGE $LB_IMAGE (KEEP_IMAGES)"
else
    log "removed the three images and their stage images"
fi
log "timings: ${TIMINGS[*]}; total $(secs_since "$START")s"
echo "deploy check: ok"
