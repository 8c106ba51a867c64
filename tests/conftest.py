"""Fixtures shared by the test modules."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def client():
    """The HTTP API in process, one app per test module, with no rate limit. It runs the
    rules alone, whose findings the HTTP tests pin; the judge has its own tests."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import Settings
    from checker.pipeline import rules_checker

    with TestClient(create_app(Settings(rate_limit_per_minute=0), checker_factory=rules_checker)) as c:
        yield c
