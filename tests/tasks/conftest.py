"""Fixtures of the Celery tests: a Redis each test may restart (``restartable_redis``)."""

from tests.support.redis import restartable_redis  # noqa: F401 (a fixture)
