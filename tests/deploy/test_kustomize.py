"""deploy/k8s: one base and an overlay per service render the manifests they replaced.

``k8s-rendered.yaml`` is ``kubectl kustomize deploy/k8s`` as it was when each service had its
own copy of every manifest. A deliberate change to the manifests changes it too: render again
(``kubectl kustomize deploy/k8s``), review the difference, and replace the file.
"""

import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
RENDERED = Path(__file__).with_name("k8s-rendered.yaml")
SERVICES = {"bookings": 8001, "brokerage": 8002, "notifications": 8003, "finance": 8004}

Resources = dict[tuple[str, str], dict[str, Any]]


def kustomize(path: Path) -> str:
    if kubectl := shutil.which("kubectl"):
        argv = [kubectl, "kustomize", str(path)]
    elif standalone := shutil.which("kustomize"):
        argv = [standalone, "build", str(path)]
    else:
        raise AssertionError("rendering deploy/k8s needs kubectl or kustomize on PATH")
    result = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def by_id(text: str) -> Resources:
    found: Resources = {}
    for document in yaml.safe_load_all(text):
        if document:
            key = (document["kind"], document["metadata"]["name"])
            assert key not in found, f"{key} twice"
            found[key] = document
    return found


@cache
def rendered() -> Resources:
    return by_id(kustomize(K8S))


def test_the_overlays_render_exactly_the_manifests_they_replaced() -> None:
    before = by_id(RENDERED.read_text())
    after = rendered()
    assert sorted(after) == sorted(before)
    for key, resource in before.items():
        assert after[key] == resource, key


def test_no_placeholder_of_the_base_is_left() -> None:
    text = kustomize(K8S)
    assert "svc" not in text.replace("services.", "")
    assert "SVC_" not in text
    assert "ServiceValues" not in text  # the overlays' values are local, never applied


def env_names(container: dict[str, Any]) -> list[str]:
    return [variable["name"] for variable in container["env"]]


@pytest.mark.parametrize(("service", "port"), SERVICES.items())
def test_each_overlay_names_its_service_port_database_and_migration(
    service: str, port: int
) -> None:
    resources = by_id(kustomize(K8S / service))
    assert sorted(resources) == sorted(
        [
            ("Cluster", f"{service}-db"),
            ("Deployment", service),
            ("Job", f"{service}-migrate"),
            ("NetworkPolicy", service),
            ("NetworkPolicy", f"{service}-db"),
            ("NetworkPolicy", f"{service}-migrate"),
            ("PodDisruptionBudget", service),
            ("Service", service),
        ]
    )
    pod = resources[("Deployment", service)]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    (wait,) = pod["initContainers"]
    assert container["name"] == service
    assert container["command"] == ["python", "-m", f"services.{service}"]
    assert container["ports"] == [{"name": "http", "containerPort": port}]
    assert wait["command"] == ["python", "/opt/alliance/wait_for_schema.py", service, "600"]
    url_variable = f"{service.upper()}_DATABASE_URL"
    for pod_container in (container, wait):
        assert env_names(pod_container) == [
            "ALLIANCE_SERVICE",
            "DB_USERNAME",
            "DB_PASSWORD",
            url_variable,
        ]
        env = {variable["name"]: variable for variable in pod_container["env"]}
        assert env["ALLIANCE_SERVICE"]["value"] == service
        assert env[url_variable]["value"].endswith(f"@{service}-db-rw:5432/{service}")
        assert env["DB_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == f"{service}-db-app"
        secrets = [s["secretRef"]["name"] for s in pod_container["envFrom"] if "secretRef" in s]
        assert ("alliance-smtp" in secrets) == (service == "notifications")

    job = resources[("Job", f"{service}-migrate")]["spec"]["template"]["spec"]
    (migrate,) = job["containers"]
    assert migrate["command"] == ["alliance", "migrate", service]
    assert env_names(migrate) == ["DB_USERNAME", "DB_PASSWORD", url_variable]

    policy = resources[("NetworkPolicy", service)]["spec"]
    assert policy["ingress"][0]["ports"] == [{"protocol": "TCP", "port": port}]
    egress_ports = {p["port"] for rule in policy["egress"] for p in rule["ports"]}
    assert ({587, 465, 25} <= egress_ports) == (service == "notifications")
    database = resources[("Cluster", f"{service}-db")]["spec"]["bootstrap"]["initdb"]
    assert database == {"database": service, "owner": service}
