"""The supervisord config generated from the Procfile runs each line as written."""

from __future__ import annotations

import shlex
import tempfile
from pathlib import Path
from typing import Any

import pytest

from devstack.procfile import ProcfileError, read_procfile
from devstack.supervisor import RestartPolicy, render_config
from kernel.platform.settings import REPO_ROOT


def config_for(processes: dict[str, str]) -> dict[str, Any]:
    """Each program's config as supervisord itself reads the generated file."""
    from supervisor.options import ServerOptions

    with tempfile.TemporaryDirectory() as directory:
        data = Path(directory)
        path = data / "supervisord.conf"
        path.write_text(
            render_config(
                processes,
                directory=REPO_ROOT,
                logs=data,
                socket=data / "supervisor.sock",
                pidfile=data / "supervisord.pid",
                policy=RestartPolicy(),
            )
        )
        options = ServerOptions()
        options.configfile = str(path)
        options.process_config(do_usage=False)
    return {group.name: group.process_configs[0] for group in options.process_group_configs}


def test_every_procfile_line_becomes_a_program_that_runs_it_under_sh():
    processes = read_procfile(REPO_ROOT / "Procfile")
    assert "intake" in processes and "notify_consumer" in processes
    config = config_for(processes)
    for name, command in processes.items():
        assert shlex.split(config[name].command) == ["/bin/sh", "-c", command]
        assert config[name].stdout_logfile.endswith(f"/{name}.log")
        assert config[name].directory == str(REPO_ROOT)


def test_quotes_dollars_and_percent_signs_reach_the_shell_unchanged():
    command = """exec app --name 'a b' --port $PORT --rate "50%" it's"""
    config = config_for({"odd": command})
    assert shlex.split(config["odd"].command) == ["/bin/sh", "-c", command]


def test_a_crashing_process_is_restarted_with_a_growing_delay_and_never_given_up_on():
    from supervisor.datatypes import RestartUnconditionally

    job = config_for({"job": "exec job"})["job"]
    assert job.autorestart is RestartUnconditionally
    assert job.startsecs >= 1  # dying sooner counts as a failed start: the next waits longer
    assert job.startretries >= 100_000
    assert job.stopasgroup and job.killasgroup


@pytest.mark.parametrize(
    ("text", "problem"),
    [("web exec gunicorn\n", "not `name: command`"), ("a: one\na: two\n", "defined twice")],
)
def test_a_broken_procfile_is_refused_with_its_line(tmp_path, text, problem):
    path = tmp_path / "Procfile"
    path.write_text(text)
    with pytest.raises(ProcfileError, match=problem):
        read_procfile(path)


def test_comments_and_blank_lines_are_skipped(tmp_path):
    path = tmp_path / "Procfile"
    path.write_text("# the web\n\nweb: exec gunicorn app\n")
    assert read_procfile(path) == {"web": "exec gunicorn app"}
