import json
import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from kernel.platform import gunicorn_conf, web_logs


def gunicorn_logger(monkeypatch, log_format: str) -> web_logs.Logger:
    monkeypatch.setenv("LOG_FORMAT", log_format)
    cfg = Config()
    cfg.set("proc_name", "intake")
    cfg.set("accesslog", gunicorn_conf.accesslog)
    cfg.set("logger_class", gunicorn_conf.logger_class)
    return cfg.logger_class(cfg)


def a_request(logger: web_logs.Logger, path: str, query: str = "", status: str = "200 OK") -> None:
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "RAW_URI": f"{path}?{query}",
        "REMOTE_ADDR": "192.0.2.7",
        "HTTP_USER_AGENT": "Mozilla/5.0 (Anna's phone)",
        "HTTP_REFERER": "https://example.se/?email=anna@example.se",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    response = SimpleNamespace(status=status, headers=[], sent=10)
    logger.access(response, {}, environ, timedelta(microseconds=12_345))


@pytest.fixture(autouse=True)
def untouched_gunicorn_loggers():
    saved = {n: (logging.getLogger(n).handlers[:], logging.getLogger(n).filters[:]) for n in web_logs.NAMES}
    yield
    for name, (handlers, filters) in saved.items():
        logging.getLogger(name).handlers[:] = handlers
        logging.getLogger(name).filters[:] = filters


def test_the_access_log_is_on_by_default_and_goes_through_the_services_logger():
    assert gunicorn_conf.accesslog == "-"
    assert gunicorn_conf.logger_class == "kernel.platform.web_logs.Logger"


def test_gunicorns_info_lines_read_as_gunicorn_info_not_as_an_error(monkeypatch, capsys):
    logger = gunicorn_logger(monkeypatch, "text")
    logger.info("Booting worker with pid: %s", 4242)
    line = capsys.readouterr().err.strip()
    assert line.endswith("intake INFO gunicorn: Booting worker with pid: 4242")
    assert "error" not in line


def test_one_access_line_per_request_with_method_path_status_and_duration_only(monkeypatch, capsys):
    logger = gunicorn_logger(monkeypatch, "text")
    a_request(logger, "/cases/K-2026-0001", "q=Anna+Andersson&email=anna%40example.se")
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].endswith("intake INFO access: GET /cases/K-2026-0001 200 12 ms")
    for personal in ("Anna", "anna", "192.0.2.7", "Mozilla", "example.se", "?"):
        assert personal not in lines[0]


def test_a_tracking_or_sign_in_token_in_the_path_is_redacted(monkeypatch, capsys):
    logger = gunicorn_logger(monkeypatch, "text")
    a_request(logger, "/track/s3cr3t-tracking-token", "token=another-secret", "404 NOT FOUND")
    a_request(logger, "/sign-in/s3cr3t-sign-in-token")
    text = capsys.readouterr().err
    assert "GET /track/[redacted] 404 12 ms" in text
    assert "GET /sign-in/[redacted] 200 12 ms" in text
    assert "s3cr3t" not in text and "another-secret" not in text


def test_as_json_the_access_line_carries_its_fields(monkeypatch, capsys):
    logger = gunicorn_logger(monkeypatch, "json")
    a_request(logger, "/track/s3cr3t", "token=x")
    record = json.loads(capsys.readouterr().err.strip())
    assert record["name"] == "access" and record["level"] == "INFO" and record["service"] == "intake"
    assert record["method"] == "GET" and record["status"] == "200" and record["duration_ms"] == 12
    assert record["path"] == "/track/[redacted]" and record["message"] == "GET /track/[redacted] 200 12 ms"


def test_no_access_line_when_switched_off(monkeypatch, capsys):
    logger = gunicorn_logger(monkeypatch, "text")
    logger.cfg.set("accesslog", None)
    logger.setup(logger.cfg)
    a_request(logger, "/")
    assert "access" not in capsys.readouterr().err


def test_access_fields_of_an_odd_response():
    fields = web_logs.access_fields("", "", None, timedelta(seconds=2, microseconds=1500))
    assert fields == {"method": "-", "path": "/", "status": "-", "duration_ms": 2001}
