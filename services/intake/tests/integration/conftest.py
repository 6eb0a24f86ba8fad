"""intake on the real store: `app`, the Flask app with its database as `app.db`."""

from __future__ import annotations

import pytest

from intake import create_app
from kernel.platform.connections import mongo_client


@pytest.fixture
def app(settings_for):
    settings = settings_for("intake")
    application = create_app(settings)
    application.db = mongo_client(settings)[settings.database]
    return application
