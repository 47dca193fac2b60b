"""The Kubernetes manifests (deploy/k8s): rendered as kustomize would, valid against the
Kubernetes schemas (kubernetes-validate, strict), passed by checkov with only the skips
they document, and holding what a deployment needs (probes, limits, a locked-down pod).

checkov is `.venv/tools/checkov/bin/checkov` of the repository under test (`make install`
puts it there), else the one on PATH; without it the test fails. It runs once, on the
whole folder (5 s here when idle, 8-10 s beside other tests; most of it is starting up).
"""

import base64
import copy
import functools
import json
import re
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import typer
from pydantic import ValidationError
from scripts import render_k8s
from scripts.render_k8s import K8S

from inkwell.cli import app as cli
from inkwell.core.config import DEFAULT_JWT_SECRET, Settings
from inkwell.core.ops.health import router as health
from tests.servers import ROOT

CHECKOV = ROOT / ".venv" / "tools" / "checkov" / "bin" / "checkov"
CHECKOV_TIMEOUT_S = 120
# The oldest Kubernetes release still commonly run, and the newest the package knows.
KUBERNETES_VERSIONS = ["1.30.0", kubernetes_validate.utils.latest_version()]
KINDS = [
    "ConfigMap",
    "Deployment",
    "HorizontalPodAutoscaler",
    "Namespace",
    "NetworkPolicy",
    "PodDisruptionBudget",
    "Secret",
    "Service",
]
# Variables the image's entrypoint reads beside the settings (scripts/docker-entrypoint.sh).
ENTRYPOINT_VARIABLES = {"HOST", "PORT", "WORKERS", "MIGRATE"}
# The checks that cannot apply here; each is annotated on its resource with the reason.
DOCUMENTED_SKIPS = {"CKV_K8S_15", "CKV_K8S_35", "CKV_K8S_43"}
# uvicorn's graceful shutdown in `inkwell serve` (timeout_graceful_shutdown).
GRACEFUL_SHUTDOWN_S = 30
# PostgreSQL's default max_connections (100) less its 3 reserved ones and some room for
# the migrating init containers and an operator's psql.
CONNECTION_BUDGET = 90

Resource = render_k8s.Resource


def _render() -> list[Resource]:
    """The resources `kubectl apply -k` would create (secrets from the examples)."""
    return copy.deepcopy(_rendered())


@functools.cache
def _rendered() -> list[Resource]:
    return render_k8s.render()


def _one(kind: str) -> Resource:
    [resource] = [r for r in _render() if r["kind"] == kind]
    return resource


def _pod() -> Resource:
    pod: Resource = _one("Deployment")["spec"]["template"]
    return pod


def _containers() -> Iterator[Resource]:
    yield from _pod()["spec"]["initContainers"]
    yield from _pod()["spec"]["containers"]


def _app() -> Resource:
    [container] = _pod()["spec"]["containers"]
    app: Resource = container
    return app


def _quantity(value: str) -> float:
    """A Kubernetes quantity as used here: cores or millicores, bytes in Ki/Mi/Gi."""
    units = {"m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
    number, unit = re.fullmatch(r"([0-9.]+)([a-zA-Z]*)", value).groups()  # type: ignore[union-attr]
    return float(number) * units.get(unit, 1)


def _dockerfile(pattern: str) -> str:
    found = re.search(pattern, (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    assert found is not None, pattern
    return found.group(1)


def test_kustomization_lists_every_manifest() -> None:
    listed = set(render_k8s.kustomization()["resources"])
    assert listed == {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_manifests_validate_against_the_kubernetes_schemas(version: str) -> None:
    kinds = []
    for resource in _render():
        kubernetes_validate.validate(resource, version, strict=True)
        kinds.append(resource["kind"])
    assert sorted(kinds) == KINDS


def test_validation_is_strict() -> None:
    deployment = _one("Deployment")
    deployment["spec"]["replica"] = 2
    with pytest.raises(kubernetes_validate.ValidationError, match="replica"):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSIONS[-1], strict=True)


def _checkov() -> str:
    found = str(CHECKOV) if CHECKOV.is_file() else shutil.which("checkov")
    if found is None:
        pytest.fail(f"checkov is neither at {CHECKOV} nor on PATH: run `make install`")
    return found


def test_checkov_passes_with_only_documented_skips(tmp_path: Path) -> None:
    # --skip-download: no Prisma Cloud look-up (this machine has no network for it).
    command = [_checkov(), "-d", str(K8S), "--framework", "kubernetes", "--skip-download"]
    done = subprocess.run(  # noqa: S603 - a fixed command
        [*command, "--output", "json"],
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=CHECKOV_TIMEOUT_S,
        check=False,
    )
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"checkov wrote no report (exit status {done.returncode}):\n{done.stderr}")
    results = report["results"]
    failed = [(c["check_id"], c["check_name"], c["resource"]) for c in results["failed_checks"]]
    assert failed == []
    assert report["summary"]["parsing_errors"] == 0
    # Every resource checkov has checks for was read (a file it cannot parse is skipped quietly).
    checked = {c["resource"] for c in results["passed_checks"]}
    for kind, name in [
        ("Deployment", "inkwell"),
        ("Service", "inkwell"),
        ("ConfigMap", "inkwell-config"),
    ]:
        assert f"{kind}.inkwell.{name}" in checked
    skipped = {
        c["check_id"]: c["check_result"]["suppress_comment"] for c in results["skipped_checks"]
    }
    assert set(skipped) == DOCUMENTED_SKIPS
    assert all(len(reason) > 20 for reason in skipped.values()), skipped
    assert done.returncode == 0, done.stderr


def test_two_replicas_rolled_one_at_a_time() -> None:
    spec = _one("Deployment")["spec"]
    assert spec["replicas"] == 2
    assert spec["strategy"]["rollingUpdate"] == {"maxSurge": 1, "maxUnavailable": 0}


def test_probes_ask_the_health_endpoints() -> None:
    paths = {route.name: route.path for route in health.routes}  # type: ignore[attr-defined]
    app = _app()
    [port] = app["ports"]
    assert str(port["containerPort"]) == _dockerfile(r"^\s*PORT=(\d+)")
    assert app["livenessProbe"]["httpGet"] == {"path": paths["live"], "port": port["name"]}
    assert app["readinessProbe"]["httpGet"] == {"path": paths["ready"], "port": port["name"]}
    # The readiness probe outlasts the database wait of /health/ready.
    ready_timeout = float(_one("ConfigMap")["data"]["READY_TIMEOUT"])
    assert app["readinessProbe"]["timeoutSeconds"] > ready_timeout


def test_every_container_has_requests_within_limits() -> None:
    for container in _containers():
        resources = container["resources"]
        for name in ("cpu", "memory"):
            request, limit = resources["requests"][name], resources["limits"][name]
            assert _quantity(request) <= _quantity(limit), (container["name"], name)


def test_pods_run_locked_down_as_the_image_user() -> None:
    spec = _pod()["spec"]
    user, group = _dockerfile(r"^USER (\d+):(\d+)$"), _dockerfile(r"^USER \d+:(\d+)$")
    context = spec["securityContext"]
    assert context["runAsNonRoot"] is True
    assert (str(context["runAsUser"]), str(context["runAsGroup"])) == (user, group)
    assert context["seccompProfile"] == {"type": "RuntimeDefault"}
    assert spec["automountServiceAccountToken"] is False
    for container in _containers():
        assert container["securityContext"] == {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        }


def test_tmp_is_the_writable_directory() -> None:
    """The root filesystem is read-only: `inkwell serve` makes its workers' metrics
    directory under /tmp, which must be an emptyDir in every container."""
    volumes = {volume["name"]: volume for volume in _pod()["spec"]["volumes"]}
    for container in _containers():
        [mount] = [m for m in container["volumeMounts"] if m["mountPath"] == "/tmp"]  # noqa: S108
        assert "emptyDir" in volumes[mount["name"]]


def test_migrations_run_before_the_app_under_the_lock() -> None:
    [init] = _pod()["spec"]["initContainers"]
    assert init["args"] == ["inkwell", "migrate"]
    assert "migrate" in typer.main.get_command(cli).commands  # type: ignore[attr-defined]
    assert init["image"] == _app()["image"]
    assert {"name": "MIGRATE", "value": "false"} in _app()["env"]


def test_the_image_is_the_local_build() -> None:
    for container in _containers():
        assert container["image"] == "inkwell:local"
        assert container["imagePullPolicy"] == "IfNotPresent"


def test_shutdown_drains_before_the_kill() -> None:
    spec = _pod()["spec"]
    command = _app()["lifecycle"]["preStop"]["exec"]["command"]
    assert command[0] == "sleep"
    assert spec["terminationGracePeriodSeconds"] > int(command[1]) + GRACEFUL_SHUTDOWN_S


def test_service_budget_and_policy_select_the_pods() -> None:
    labels = _pod()["metadata"]["labels"]
    assert _one("Deployment")["spec"]["selector"]["matchLabels"] == labels
    service = _one("Service")["spec"]
    assert service["selector"] == labels
    assert [p["targetPort"] for p in service["ports"]] == [p["name"] for p in _app()["ports"]]
    budget = _one("PodDisruptionBudget")["spec"]
    assert budget["minAvailable"] == 1
    assert budget["selector"]["matchLabels"] == labels
    assert _one("NetworkPolicy")["spec"]["podSelector"]["matchLabels"] == labels


def test_autoscaler_scales_the_deployment_on_cpu() -> None:
    hpa = _one("HorizontalPodAutoscaler")
    spec = hpa["spec"]
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert spec["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "inkwell",
    }
    assert spec["minReplicas"] == _one("Deployment")["spec"]["replicas"]
    [metric] = spec["metrics"]
    assert metric["resource"]["name"] == "cpu"


def test_database_connections_fit_postgresql() -> None:
    config = _one("ConfigMap")["data"]
    pods = _one("HorizontalPodAutoscaler")["spec"]["maxReplicas"]
    pods += _one("Deployment")["spec"]["strategy"]["rollingUpdate"]["maxSurge"]
    per_worker = int(config["DB_POOL_SIZE"]) + int(config["DB_MAX_OVERFLOW"])
    assert pods * int(config["WORKERS"]) * per_worker <= CONNECTION_BUDGET


def test_settings_come_from_the_config_map_and_the_secret() -> None:
    [generator] = render_k8s.kustomization()["secretGenerator"]
    for container in _containers():
        assert container["envFrom"] == [
            {"configMapRef": {"name": _one("ConfigMap")["metadata"]["name"]}},
            {"secretRef": {"name": generator["name"]}},
        ]
    settings = {name.upper(): field for name, field in Settings.model_fields.items()}
    config, secret = _one("ConfigMap")["data"], render_k8s.secret_example(generator)
    assert set(config) <= set(settings) | ENTRYPOINT_VARIABLES
    assert set(secret) <= set(settings)
    assert {"DATABASE_URL", "JWT_SECRET", "METRICS_TOKEN"} <= set(secret)
    assert not {"DATABASE_URL", "JWT_SECRET", "METRICS_TOKEN", "DATABASE_REPLICA_URLS"} & set(
        config
    )
    assert config["ENVIRONMENT"] == "production"


def _settings(values: dict[str, str]) -> Settings:
    fields: dict[str, Any] = {
        name.lower(): value
        for name, value in values.items()
        if name.lower() in Settings.model_fields
    }
    return Settings(_env_file=None, **fields)


def test_the_secret_example_cannot_start_the_app() -> None:
    """Its placeholders are refused in production; real values are accepted."""
    [generator] = render_k8s.kustomization()["secretGenerator"]
    config, secret = _one("ConfigMap")["data"], render_k8s.secret_example(generator)
    assert DEFAULT_JWT_SECRET not in secret.values()
    with pytest.raises(ValidationError, match="JWT_SECRET"):
        _settings(config | secret)
    filled = _settings(config | secret | {"JWT_SECRET": secrets.token_hex(32)})
    assert filled.environment == "production"
    assert filled.database_url.startswith("postgresql+asyncpg://")


def test_the_secret_file_is_ignored_by_git() -> None:
    [generator] = render_k8s.kustomization()["secretGenerator"]
    for name in generator["envs"]:
        command = ["git", "check-ignore", "--quiet", str(K8S / name)]
        done = subprocess.run(command, cwd=ROOT, check=False)  # noqa: S603 - a fixed command
        assert done.returncode == 0, f"{name} is not git-ignored"


def test_the_podman_copy_changes_only_what_it_lists() -> None:
    """scripts/deploy-check.sh plays this copy with podman 4.3: undoing each change that
    render_k8s.CHANGES names gives back the manifests (so the check runs them, no others)."""
    values = {"DATABASE_URL": "postgresql+asyncpg://u@10.0.2.2:5432/db", "JWT_SECRET": "j" * 32}
    rendered = render_k8s.render(secrets=values)
    [config, deployment], secret = render_k8s.for_podman(rendered, "localhost/x:1", "k1", 18001)
    assert base64.b64decode(secret["data"]["JWT_SECRET"]).decode() == values["JWT_SECRET"]
    assert secret["metadata"] == {"name": "k1-secrets"}
    assert config == {**_one("ConfigMap"), "metadata": config["metadata"]}
    spec = deployment["spec"]
    assert (spec["replicas"], deployment["metadata"]["name"]) == (1, "k1")
    pod = spec["template"]["spec"]
    assert pod.pop("restartPolicy") == "OnFailure"
    [port] = _app()["ports"]
    [played] = pod["containers"][0]["ports"]
    assert played == {**port, "hostIP": "127.0.0.1", "hostPort": 18001}
    pod["containers"][0]["ports"] = [port]
    for volume in pod["volumes"]:
        volume["name"] = volume["name"].removeprefix("k1-")
    for container in [*pod["initContainers"], *pod["containers"]]:
        assert container["image"] == "localhost/x:1"
        container["image"] = render_k8s.LOCAL_IMAGE
        assert container["envFrom"][1] == {"secretRef": {"name": "k1-secrets"}}
        container["envFrom"][1]["secretRef"]["name"] = "inkwell-secrets"
        for mount in container["volumeMounts"]:
            mount["name"] = mount["name"].removeprefix("k1-")
    original = _one("Deployment")
    del original["metadata"]["namespace"]
    spec["replicas"] = original["spec"]["replicas"]
    assert deployment == {**original, "metadata": {**original["metadata"], "name": "k1"}}
    assert "namespace" not in config["metadata"]
