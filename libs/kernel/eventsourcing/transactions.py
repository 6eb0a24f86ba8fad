"""MongoDB transactions that end at once when the store goes away.

pymongo's with_transaction retries a whole transaction on TransientTransactionError for
up to 120 s, deaf to a stop request; a lost connection or a failed server selection is
labelled so, and aborting it waits for the store again. Here an outage aborts the
transaction without waiting and ends it with a plain ConnectionFailure (no label), so a
request answers 503 within its server-selection timeout and a worker's loop waits with
its own backoff, stoppable. A write conflict is still retried."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pymongo
from pymongo import MongoClient
from pymongo.client_session import ClientSession
from pymongo.errors import ConnectionFailure, PyMongoError

from kernel.platform.dependencies import STORE, dependency_of, reason_of

T = TypeVar("T")


def run_in_transaction(client: MongoClient, callback: Callable[[ClientSession], T]) -> T:
    def ended_by_an_outage(session: ClientSession) -> T:
        try:
            return callback(session)
        except PyMongoError as exc:
            if dependency_of(exc) != STORE:
                raise
            abort_without_waiting(session)
            raise ConnectionFailure(reason_of(exc)) from exc

    with client.start_session() as session:
        return session.with_transaction(ended_by_an_outage)


def abort_without_waiting(session: ClientSession) -> None:
    """Abort the transaction here without waiting for a store that is away (pymongo would
    wait a server selection, twice): the store drops it itself when it comes back or the
    transaction times out, and nothing of it was committed."""
    if session.in_transaction:
        with pymongo.timeout(ABORT_BUDGET_S):
            session.abort_transaction()  # errors are swallowed: the transaction is over here


ABORT_BUDGET_S = 0.05
