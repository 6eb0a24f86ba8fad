"""MongoDB transactions that end at once when the store goes away.

pymongo's with_transaction retries a whole transaction on TransientTransactionError for
up to 120 s, deaf to a stop request; a lost connection or a failed server selection is
labelled so. Here an outage ends the transaction with a plain ConnectionFailure (no
label), so a request answers 503 within its server-selection timeout and a worker's
loop waits with its own backoff, stoppable. A write conflict is still retried."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from pymongo import MongoClient
from pymongo.client_session import ClientSession
from pymongo.errors import ConnectionFailure, PyMongoError

from kernel.dependencies import STORE, dependency_of, reason_of

T = TypeVar("T")


def run_in_transaction(client: MongoClient, callback: Callable[[ClientSession], T]) -> T:
    def ended_by_an_outage(session: ClientSession) -> T:
        try:
            return callback(session)
        except PyMongoError as exc:
            if dependency_of(exc) == STORE:
                raise ConnectionFailure(reason_of(exc)) from exc
            raise

    with client.start_session() as session:
        return session.with_transaction(ended_by_an_outage)
