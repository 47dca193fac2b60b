"""The Kubernetes manifests (deploy/k8s) rendered as `kubectl apply -k` would, without kubectl
(Python's stdlib and PyYAML).

    python scripts/render_k8s.py podman OUT_DIR SECRET_ENV IMAGE NAME PORT
        writes OUT_DIR/kube.yaml (the ConfigMap and the Deployment) and OUT_DIR/secret.json (the
        Secret, generated from SECRET_ENV rather than secret.env) for `podman kube play` 4.3,
        changed only where podman cannot take the manifests as they are; each change is listed
        on stderr (CHANGES below). scripts/deploy-check.sh runs the pod so.

tests/ops/test_k8s.py validates `render()` (secrets from the examples) against the schemas.
"""

import base64
import copy
import json
import sys
from pathlib import Path
from typing import Any

import yaml

K8S = Path(__file__).resolve().parents[1] / "deploy" / "k8s"
# What render() understands of kustomization.yaml; anything else must be taught to it.
KUSTOMIZATION_FIELDS = {"apiVersion", "kind", "namespace", "resources", "secretGenerator"}
# The image the manifests name (kustomization.yaml: `kustomize edit set image` replaces it).
LOCAL_IMAGE = "inkwell:local"

Resource = dict[str, Any]


def kustomization(k8s: Path = K8S) -> Resource:
    loaded: Resource = yaml.safe_load((k8s / "kustomization.yaml").read_text())
    return loaded


def env_file(path: Path) -> dict[str, str]:
    """KEY=value lines as kustomize reads them (comments and blank lines skipped)."""
    lines = (line.strip() for line in path.read_text().splitlines())
    pairs = (line.split("=", 1) for line in lines if line and not line.startswith("#"))
    return dict(pairs)


def secret_example(generator: Resource, k8s: Path = K8S) -> dict[str, str]:
    """A secretGenerator's env files are the user's (git-ignored): read their examples."""
    values: dict[str, str] = {}
    for name in generator["envs"]:
        values |= env_file(k8s / f"{name}.example")
    return values


def secret(name: str, values: dict[str, str]) -> Resource:
    data = {k: base64.b64encode(v.encode()).decode() for k, v in values.items()}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name},
        "type": "Opaque",
        "data": data,
    }


def render(k8s: Path = K8S, secrets: dict[str, str] | None = None) -> list[Resource]:
    """The resources `kubectl apply -k` would create, without the hash suffix kustomize adds
    to generated names (and to their references). The generated Secret holds `secrets` when
    given (the only secretGenerator's values), else the values of the env files' examples."""
    found = kustomization(k8s)
    assert set(found) <= KUSTOMIZATION_FIELDS, set(found) - KUSTOMIZATION_FIELDS
    resources: list[Resource] = [
        document
        for name in found["resources"]
        for document in yaml.safe_load_all((k8s / name).read_text())
        if document
    ]
    generators = found.get("secretGenerator", [])
    assert secrets is None or len(generators) == 1
    resources += [
        secret(g["name"], secret_example(g, k8s) if secrets is None else secrets)
        for g in generators
    ]
    for resource in resources:
        if resource["kind"] != "Namespace":
            resource["metadata"]["namespace"] = found["namespace"]
    return resources


# Where the manifests and podman 4.3.1 part (`podman kube play` as `make deploy-check` runs it).
CHANGES = [
    "image inkwell:local -> the image just built (what `kustomize edit set image` does)",
    "Secret: not in kube.yaml (kube play 4.3 reads Pod, Deployment, PVC and ConfigMap only);"
    " its data (a JSON object of base64 values, what 4.3 reads) goes to secret.json, made a"
    " podman secret, which envFrom.secretRef finds by name",
    "names of the Deployment and Secret (and the Secret's references) made unique to this run,"
    " as kustomize suffixes generated names",
    "the http port gets hostIP 127.0.0.1 and hostPort <a free port>: kube play 4.3 publishes"
    " every containerPort on the host, at the same number without one (8000 may be taken)",
    "replicas 2 -> 1: a second pod would want the same host port (podman has no Service)",
    "restartPolicy Always (a Deployment's) -> OnFailure: kube play 4.3 gives the init"
    " container the pod's policy, restarts it after it succeeds and fails to remove it",
    "volumes renamed <NAME>-<volume>: kube play 4.3 makes an emptyDir a volume named as in the"
    " manifest (`tmp`), which would be shared by pods played at the same time",
    "namespace dropped (podman has none)",
]


def for_podman(
    resources: list[Resource], image: str, name: str, port: int
) -> tuple[list[Resource], Resource]:
    """The ConfigMap and Deployment for `podman kube play`, and the Secret apart (CHANGES)."""
    [config] = [copy.deepcopy(r) for r in resources if r["kind"] == "ConfigMap"]
    [deployment] = [copy.deepcopy(r) for r in resources if r["kind"] == "Deployment"]
    [generated] = [copy.deepcopy(r) for r in resources if r["kind"] == "Secret"]
    secret_name = f"{name}-secrets"
    for resource in (config, deployment, generated):
        del resource["metadata"]["namespace"]
    deployment["metadata"]["name"] = name
    deployment["spec"]["replicas"] = 1
    pod = deployment["spec"]["template"]["spec"]
    assert pod.get("restartPolicy", "Always") == "Always"
    pod["restartPolicy"] = "OnFailure"
    for container in [*pod["initContainers"], *pod["containers"]]:
        assert container["image"] == LOCAL_IMAGE, container["image"]
        container["image"] = image
        for source in container["envFrom"]:
            if source.get("secretRef", {}).get("name") == generated["metadata"]["name"]:
                source["secretRef"]["name"] = secret_name
    for volume in pod["volumes"]:
        for container in [*pod["initContainers"], *pod["containers"]]:
            for mount in container["volumeMounts"]:
                if mount["name"] == volume["name"]:
                    mount["name"] = f"{name}-{volume['name']}"
        volume["name"] = f"{name}-{volume['name']}"
    [app] = pod["containers"]
    [http] = app["ports"]
    http |= {"hostIP": "127.0.0.1", "hostPort": port}
    generated["metadata"]["name"] = secret_name
    return [config, deployment], generated


def main(argv: list[str]) -> int:
    if len(argv) != 7 or argv[1] != "podman":
        print(__doc__, file=sys.stderr)
        return 2
    out, secret_env, image, name, port = Path(argv[2]), Path(argv[3]), *argv[4:6], int(argv[6])
    resources = render(secrets=env_file(secret_env))
    kube, generated = for_podman(resources, image, name, port)
    (out / "kube.yaml").write_text(yaml.safe_dump_all(kube, sort_keys=False))
    (out / "secret.json").touch(mode=0o600)
    (out / "secret.json").write_text(json.dumps(generated["data"]))
    for change in CHANGES:
        print(f"render_k8s: changed for podman 4.3: {change}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
