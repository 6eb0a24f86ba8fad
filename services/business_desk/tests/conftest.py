"""The staff pages speak the deployment's national language unless the browser asks for
another: these tests read them in English."""

import pytest


@pytest.fixture
def page_client(page_client):  # type: ignore[no-untyped-def]
    return lambda app, role, language="en": page_client(app, role, language)
