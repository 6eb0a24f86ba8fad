"""A service declared once: the kernel's app factory and process runner work from the
declaration alone (here a toy service wired with fakes, no store)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Blueprint
from flask_smorest import Blueprint as ApiBlueprint

from kernel.platform import run
from kernel.platform.service import Consumes, Job, Service, Web, deferred
from kernel.platform.settings import Settings
from kernel.web.service_app import create_app, deps_of

api = ApiBlueprint("toy_api", __name__, url_prefix="/api/v1")
pages = Blueprint("toy_pages", __name__)


@api.get("/things")
@api.response(200)
def things() -> dict:
    return {"items": []}


@pages.get("/")
def home() -> str:
    return "home"


@dataclass
class ToyDeps:
    settings: Settings
    db: Any = None
    pinged: list[int] = field(default_factory=list)

    def ping(self) -> None:
        self.pinged.append(1)


def toy(**overrides: Any) -> Service:
    declaration: dict[str, Any] = dict(
        name="toy",
        settings=lambda: Settings.from_env("toy"),
        bootstrap=lambda settings, db: ToyDeps(settings, db),
        web=Web(title="Toy", blueprints=lambda: [api, pages]),
        routes={"thing": "toy.thing.v1"},
        consumes=Consumes(topics=["other.v1"], handlers=lambda deps: {}),
        jobs=[Job("tidy", run_once=lambda deps: None, interval_s=60, interval_env="TIDY_INTERVAL_S")],
    )
    return Service(**{**declaration, **overrides})


def test_the_app_serves_the_declared_api_and_pages_with_the_kernels_health(isolated_env):
    service = toy()
    deps = ToyDeps(Settings.from_env("toy"))
    app = create_app(service, deps.settings, deps)
    client = app.test_client()
    assert deps_of(app, "toy") is deps
    assert client.get("/").text == "home"
    assert client.get("/api/v1/things").json == {"items": []}
    assert "/api/v1/things" in client.get("/api/openapi.json").json["paths"]
    assert client.get("/readyz").status_code == 200 and deps.pinged
    assert client.get("/api/docs").status_code == 404  # no interactive docs unless declared


def test_the_setup_hook_adds_what_is_the_services_own(isolated_env):
    def setup(app: Any, deps: Any) -> None:
        app.extensions["toy.setup"] = deps

    deps = ToyDeps(Settings.from_env("toy"))
    app = create_app(toy(web=Web(title="Toy", blueprints=lambda: [pages], setup=setup)), deps.settings, deps)
    assert app.extensions["toy.setup"] is deps


def test_the_processes_follow_from_the_declaration():
    assert toy().processes == ["web", "relay", "consumer", "tidy"]
    assert toy(routes={}, consumes=None, jobs=()).processes == ["web"]


def test_an_unknown_job_is_refused_with_the_services_jobs(monkeypatch, capsys):
    monkeypatch.setattr(run, "declared", lambda name: toy())
    with pytest.raises(SystemExit) as exited:
        run.main(["toy", "sweep"])
    assert exited.value.code == 2
    assert "toy has no job 'sweep' (its jobs: tidy)" in capsys.readouterr().err


class FakeClient(dict):
    def __missing__(self, database: str) -> str:
        return f"db {database}"

    def close(self) -> None:
        pass


def test_a_job_runs_its_round_with_the_services_wiring(monkeypatch, isolated_env):
    seen: list[Any] = []
    service = toy(jobs=[Job("tidy", run_once=seen.append, interval_s=60, interval_env="TIDY_INTERVAL_S")])
    monkeypatch.setattr(run, "declared", lambda name: service)
    monkeypatch.setattr("kernel.platform.runners.mongo_client", lambda settings, **_: FakeClient())
    run.main(["toy", "tidy", "--once"])
    [deps] = seen
    assert isinstance(deps, ToyDeps) and deps.db == f"db {deps.settings.database}"


def test_a_deferred_part_is_imported_only_when_called(monkeypatch):
    import sys

    monkeypatch.delitem(sys.modules, "colorsys", raising=False)
    to_hls = deferred("colorsys:rgb_to_hls")
    assert "colorsys" not in sys.modules and to_hls.__name__ == "rgb_to_hls"
    assert to_hls(1.0, 0.0, 0.0) == (0.0, 0.5, 1.0)
    assert "colorsys" in sys.modules
