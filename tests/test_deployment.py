"""The deployment, checked offline: both kustomize overlays render (kubectl kustomize) and
every object validates against the Kubernetes schemas; the workloads run non-root on a
read-only root filesystem with probes and resources; docker-compose.yml validates against
the Compose specification; and every Kafka topic and environment variable the code uses
is declared in both."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml

from devstack import SERVICES
from kernel.platform.settings import REPO_ROOT

K8S = REPO_ROOT / "deploy" / "k8s"
COMPOSE = REPO_ROOT / "docker-compose.yml"
K8S_VERSION = "1.31.0"
OPERATOR_KINDS = {
    "Kafka",
    "KafkaNodePool",
    "KafkaTopic",
    "MongoDBCommunity",
}  # custom resources of the operators
WORKLOAD_KINDS = {"Deployment", "CronJob"}


@cache
def rendered(overlay: str) -> list[dict]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not on this machine")
    out = subprocess.run(
        [kubectl, "kustomize", str(K8S / "overlays" / overlay)], capture_output=True, text=True, check=True
    ).stdout
    return [doc for doc in yaml.safe_load_all(out) if doc]


def pod_specs(objects: list[dict]) -> list[tuple[str, dict]]:
    specs = []
    for obj in objects:
        if obj["kind"] == "Deployment":
            specs.append((obj["metadata"]["name"], obj["spec"]["template"]["spec"]))
        elif obj["kind"] == "CronJob":
            specs.append((obj["metadata"]["name"], obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]))
    return specs


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_each_overlay_renders_and_every_object_is_valid_kubernetes(overlay):
    objects = rendered(overlay)
    kinds = {obj["kind"] for obj in objects}
    assert {"Deployment", "Service", "ConfigMap", "HorizontalPodAutoscaler", "PodDisruptionBudget"} <= kinds
    assert {"NetworkPolicy", "ServiceAccount", "CronJob"} <= kinds
    for obj in objects:
        if obj["kind"] in OPERATOR_KINDS:
            continue
        kubernetes_validate.validate(obj, K8S_VERSION, strict=True)


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_the_workloads_are_locked_down_and_probed(overlay):
    for name, spec in pod_specs(rendered(overlay)):
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["automountServiceAccountToken"] is False, name
        for container in spec["containers"]:
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] and not security["allowPrivilegeEscalation"], name
            assert security["capabilities"]["drop"] == ["ALL"], name
            assert container["resources"]["requests"] and container["resources"]["limits"], name
            if "ports" in container and container["ports"][0]["name"] == "http":
                assert {"startupProbe", "livenessProbe", "readinessProbe"} <= container.keys(), name
                assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", (
                    name
                )  # tests store and broker


def test_prod_runs_kafka_and_mongodb_through_their_operators():
    objects = rendered("prod")
    topics = [o for o in objects if o["kind"] == "KafkaTopic"]
    assert topics and all(
        t["spec"]["replicas"] == 3 and t["spec"]["config"]["min.insync.replicas"] == 2 for t in topics
    )
    [mongo] = [o for o in objects if o["kind"] == "MongoDBCommunity"]
    assert mongo["spec"]["members"] == 3
    relays = [o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"].endswith("-relay")]
    assert relays and all(
        r["spec"]["replicas"] == 1 and r["spec"]["strategy"]["type"] == "Recreate" for r in relays
    )


def test_docker_compose_follows_the_compose_specification():
    schema = json.loads((REPO_ROOT / "deploy" / "compose-spec.schema.json").read_text())
    compose = yaml.safe_load(COMPOSE.read_text())
    jsonschema.Draft7Validator(schema).validate(compose)
    services = compose["services"]
    for service in ("intake", "business_desk", "notify", "vouchers"):
        assert "healthcheck" in services[service], service
        assert services[f"{service}-relay"]["depends_on"][service]["condition"] == "service_healthy"
    assert (
        services["kafka"]["image"].startswith("apache/kafka:") and "--replSet" in services["mongo"]["command"]
    )
    for path in ("deploy/observability/prometheus.yml", "deploy/observability/alerts.yml"):
        assert yaml.safe_load((REPO_ROOT / path).read_text())


def topics_in_code() -> set[str]:
    """Every topic a process may write to: each service's routes and consumed topics, the
    dead-letter topic of each (a consumer's for what it can never process, the relay's for
    what it can never publish) and each relay's own for an event with no topic."""
    from devstack import SERVICES
    from kernel.eventsourcing.deadletters import topic_of
    from kernel.platform.service import declared as declaration

    declared = [declaration(name) for name in SERVICES]
    published = {topic for service in declared for topic in service.routes.values()}
    consumed = {topic for service in declared if service.consumes for topic in service.consumes.topics}
    relays = {topic_of(f"{service.name}-relay") for service in declared if service.routes}
    dead_letters = {topic_of(topic) for topic in published | consumed if not topic.endswith(".dlq")}
    return published | consumed | dead_letters | relays


def env_vars_in_code() -> set[str]:
    names = set()
    for path in [
        *(REPO_ROOT / "libs" / "kernel").rglob("*.py"),
        *(REPO_ROOT / "services").glob("*/*/**/*.py"),
    ]:
        text = path.read_text()
        names |= set(re.findall(r'\b_?(?:env|secret)\("([A-Z_]+)"', text))
        names |= set(re.findall(r'os\.environ(?:\.get)?\(?\[?"([A-Z_]+)"', text))
    audiences = {
        f"{service.upper()}_API_AUDIENCE" for service in SERVICES
    }  # kernel.platform.settings.api_audience
    return names | audiences | {"DATA_MASTER_KEY"}


def test_every_topic_the_code_uses_is_declared_in_compose_and_in_kubernetes():
    command = yaml.safe_load(COMPOSE.read_text())["services"]["kafka-init"]["command"][0]
    compose_topics = set(re.findall(r"[a-z_]+\.[a-z_]+\.v\d+(?:\.dlq)?|[a-z_]+-relay\.dlq", command))
    k8s_topics = {o["spec"]["topicName"] for o in rendered("prod") if o["kind"] == "KafkaTopic"}
    needed = topics_in_code()
    assert needed <= compose_topics, needed - compose_topics
    assert needed <= k8s_topics, needed - k8s_topics


# a module run with -m: the kernel's runner with its service and process, or a module of its own
RUN_MODULE = r"-m (kernel\.platform\.run \S+ \S+|\S+)"


def procfile_commands() -> set[str]:
    """What each process of the run command runs: a module, or gunicorn's app factory."""
    commands = set()
    for line in (REPO_ROOT / "Procfile").read_text().splitlines():
        if module := re.search(RUN_MODULE.replace("-m", "python -m", 1), line):
            commands.add(module.group(1))
        elif app := re.search(r"'(\w+):create_app\(\)'", line):
            commands.add(f"{app.group(1)}:create_app()")
    return commands


DOCKERFILE = REPO_ROOT / "Dockerfile"  # every service's image, the service a build argument


def image_command(image: str) -> list[str]:
    """The default command (the Dockerfile's CMD) of an image `[registry/]municipal/<service>[:tag]`,
    built with `--build-arg SERVICE=<service>` (the image's SERVICE variable)."""
    service = re.search(r"municipal/([\w-]+)", image).group(1).replace("-", "_")
    command = json.loads(re.search(r"^CMD (\[.*\])$", DOCKERFILE.read_text(), re.MULTILINE).group(1))
    return [part.replace("$SERVICE", service) for part in command]


def deployed_commands(containers: list[tuple[str, list[str]]]) -> set[str]:
    """What runs in each (image, command) pair: a module, or gunicorn's app factory."""
    found = set()
    for image, command in containers:
        if "municipal/" not in image:
            continue
        joined = " ".join(command or image_command(image))
        if module := re.search(RUN_MODULE, joined):
            found.add(module.group(1))
        elif app := re.search(r"(\w+):create_app\(\)", joined):
            found.add(app.group(0))
    return found


def test_every_process_of_the_run_command_is_deployed_by_compose_and_kubernetes():
    services = yaml.safe_load(COMPOSE.read_text())["services"].values()
    compose = deployed_commands([(s.get("image", ""), s.get("command") or []) for s in services])
    containers = [c for _, spec in pod_specs(rendered("prod")) for c in spec["containers"]]
    k8s = deployed_commands([(c["image"], c.get("command", []) + c.get("args", [])) for c in containers])
    needed = procfile_commands()
    assert len(needed) > 10
    assert needed <= compose, needed - compose
    assert needed <= k8s, needed - k8s


def test_every_environment_variable_the_code_reads_is_declared_in_compose_and_in_kubernetes():
    compose_env = set(yaml.safe_load(COMPOSE.read_text())["x-env"])
    objects = rendered("prod")
    [config] = [
        o
        for o in objects
        if o["kind"] == "ConfigMap" and o["metadata"]["name"].startswith("municipal-config")
    ]
    k8s_env = set(config["data"])
    for _, spec in pod_specs(objects):
        k8s_env |= {e["name"] for c in spec["containers"] for e in c.get("env", [])}
    needed = env_vars_in_code()
    assert needed <= compose_env, needed - compose_env
    assert needed <= k8s_env, needed - k8s_env


def test_one_small_non_root_dockerfile_builds_every_service():
    text = DOCKERFILE.read_text()
    assert re.search(r"^FROM python:3\.11\.\d+-slim-bookworm AS build$", text, re.M)
    assert "USER 10001" in text and "--no-cache-dir" in text
    assert text.count("ARG SERVICE") == 2  # in the build stage and in the final one
    assert "COPY services/${SERVICE}/${SERVICE} " in text
    assert "PYTHONPATH=/app/libs:/app/services/${SERVICE}" in text
    assert not list((REPO_ROOT / "services").glob("*/Dockerfile"))
    for service in ("intake", "business_desk", "notify", "vouchers"):
        assert f"{service}:create_app()" in " ".join(image_command(f"municipal/{service}:dev")), service
    compose = yaml.safe_load(COMPOSE.read_text())["services"]
    built = {s["image"]: s["build"] for s in compose.values() if s.get("image", "").startswith("municipal/")}
    for image, build in built.items():
        service = re.search(r"municipal/(\w+)", image).group(1)
        assert build == {"context": ".", "args": {"SERVICE": service}}, image
    assert len(built) == 4
    assert Path(REPO_ROOT / ".dockerignore").read_text().count(".local") == 1


def metric_names_in_code() -> set[str]:
    names = set()
    for path in [
        REPO_ROOT / "libs" / "kernel" / "platform" / "metrics.py",
        REPO_ROOT / "services" / "business_desk" / "business_desk" / "web" / "metrics.py",
        REPO_ROOT / "services" / "notify" / "notify" / "web" / "metrics.py",
    ]:
        names |= set(
            re.findall(r'"([a-z][a-z0-9_]+)",\s*"[A-Z]', path.read_text())
        )  # Counter("name", "Help")
        names |= set(re.findall(r'Family\(\s*"([a-z][a-z0-9_]+)"', path.read_text()))
        names |= set(re.findall(r'"(notify_[a-z0-9_]+)":', path.read_text()))
    return names


def referenced_metrics(expr: str) -> set[str]:
    """The metric names an expression uses (PromQL functions and labels are not metric-like)."""
    words = set(re.findall(r"\b([a-z][a-z0-9_]{5,})\b(?=\{|\[|\)|\s|$)", expr))
    return {
        w for w in words if w.startswith(("http_", "cases_", "outbox_", "consumer_", "relay_", "notify_"))
    }


def known(metric: str, exported: set[str]) -> bool:
    suffixes = ("_bucket", "_count", "_sum", "_total")
    return metric in exported or any(
        metric.removesuffix(s) in exported for s in suffixes if metric.endswith(s)
    )


def test_the_dashboards_and_alerts_only_use_metrics_the_services_export():
    exported = metric_names_in_code()
    expressions = []
    for dashboard in (REPO_ROOT / "deploy" / "observability" / "grafana" / "dashboards").glob("*.json"):
        expressions += [t["expr"] for p in json.loads(dashboard.read_text())["panels"] for t in p["targets"]]
    rules = yaml.safe_load((REPO_ROOT / "deploy" / "observability" / "alerts.yml").read_text())
    expressions += [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    assert len(expressions) >= 15
    for expr in expressions:
        used = referenced_metrics(expr)
        assert used and all(known(m, exported) for m in used), (expr, used)
