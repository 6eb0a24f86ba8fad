"""The public comparison is read from the figures kept in the store: a request costs the
same few store commands with 3 vouchers as with 40, and the figures are computed again
only after an event changed them (once, however many ask)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from pymongo import monitoring

from kernel.domain.actors import Actor
from vouchers import create_app
from vouchers.bootstrap import bootstrap
from vouchers.domain.providers import ApplyAsProvider
from vouchers.domain.redemptions import DeliveryReport
from vouchers.domain.vouchers import GrantVoucher
from vouchers.handlers import (
    apply_as_provider,
    choose_provider,
    decide_on_provider,
    grant_voucher,
    report_delivery,
)
from vouchers.web.schemas import valid_personnummer

pytestmark = pytest.mark.integration

TODAY = date(2026, 10, 5)
OFFICER = Actor("https://login.kommun.example#vera.officer", "Vera")


class CommandsOnThisThread(monitoring.CommandListener):
    """The store commands this test's requests send to one database (the listener is
    called on the thread that sends them)."""

    def __init__(self, database: str) -> None:
        self.database, self.thread, self.names = database, threading.current_thread(), []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.database_name == self.database and threading.current_thread() is self.thread:
            self.names.append(event.command_name)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


@pytest.fixture
def counted(settings_for):
    settings = settings_for("vouchers")
    commands = CommandsOnThisThread(settings.database)
    monitoring.register(commands)  # for the clients made from now on: this test's
    deps = bootstrap(settings, clock=lambda: datetime(2026, 10, 5, 10, tzinfo=UTC))
    app = create_app(settings, deps=deps)
    provider = apply_as_provider(
        deps, ApplyAsProvider("kulturpeng", "5560360793", "P", "private", ["music"], "p@example.se", "Music.")
    )
    decide_on_provider(deps, provider, "approve", "Meets the criteria.", OFFICER)
    yield app, deps, provider, commands
    commands.database = "-"  # registered for good: let it count nothing more


def grant_and_deliver(deps, provider: str, n: int) -> None:  # type: ignore[no-untyped-def]
    number, born = valid_personnummer("20120315-2002")
    for _ in range(n):
        voucher = grant_voucher(
            deps, GrantVoucher("kulturpeng", "music", number, born, "c@example.se", "sv"), OFFICER
        )
        choose_provider(deps, voucher, provider, None, OFFICER)
        report_delivery(deps, voucher, DeliveryReport(provider, f"r-{voucher}", 1, TODAY))


def commands_of(commands: CommandsOnThisThread, request) -> tuple[list[str], object]:  # type: ignore[no-untyped-def]
    commands.names.clear()
    result = request()
    return list(commands.names), result


def test_a_request_costs_one_store_command_whatever_the_data(counted):
    app, deps, provider, commands = counted
    client = app.test_client()

    def comparison():  # type: ignore[no-untyped-def]
        return client.get("/api/v1/programmes/kulturpeng/comparison").get_json()

    grant_and_deliver(deps, provider, 3)
    first, figures = commands_of(commands, comparison)
    assert figures["providers"][0]["choosers_now"] == 3 and len(first) > 1  # computed
    small = [commands_of(commands, comparison)[0] for _ in range(5)]
    assert small == [["find"]] * 5

    grant_and_deliver(deps, provider, 37)  # events: the kept figures are stale now
    recomputed, figures = commands_of(commands, comparison)
    assert figures["providers"][0]["choosers_now"] == 40 and len(recomputed) > 1
    large = [commands_of(commands, comparison)[0] for _ in range(5)]
    assert large == small  # 13 times the data, the same cost per request
    page, response = commands_of(commands, lambda: client.get("/programmes/kulturpeng?lang=en"))
    assert page == ["find"] and response.status_code == 200  # the page reads the same kept figures


def test_while_one_request_computes_the_others_get_the_figures_as_they_were(counted):
    app, deps, provider, commands = counted
    client = app.test_client()
    grant_and_deliver(deps, provider, 2)
    before = client.get("/api/v1/programmes/kulturpeng/comparison").get_json()
    grant_and_deliver(deps, provider, 1)  # stale now; someone else holds the lease
    deps.read.published.update_one({"_id": "kulturpeng"}, {"$set": {"leased_until": 4e9}})
    names, response = commands_of(commands, lambda: client.get("/api/v1/programmes/kulturpeng/comparison"))
    assert response.get_json() == before and names == ["find", "update"]
    deps.read.published.update_one({"_id": "kulturpeng"}, {"$set": {"leased_until": 0.0}})  # it died
    assert (
        client.get("/api/v1/programmes/kulturpeng/comparison").get_json()["providers"][0]["choosers_now"] == 3
    )
