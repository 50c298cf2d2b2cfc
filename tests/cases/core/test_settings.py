"""Settings: everything has an embedded default; a bad value names its variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from cases.core.settings import SettingsError, load_settings


def test_embedded_defaults_need_nothing(tmp_path: Path) -> None:
    settings = load_settings({"OVERSIGHT_INSTANCE_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'oversight.db'}"
    assert settings.broker_url.startswith("sqla+sqlite:///")
    assert settings.emergency_backfill_hours == 24
    key = settings.secret_key
    assert len(key) == 64 and (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert load_settings({"OVERSIGHT_INSTANCE_DIR": str(tmp_path)}).secret_key == key  # kept


def test_environment_overrides(tmp_path: Path) -> None:
    env = {
        "OVERSIGHT_INSTANCE_DIR": str(tmp_path),
        "OVERSIGHT_DATABASE_URL": "postgresql://u@db/oversight",
        "OVERSIGHT_BROKER_URL": "redis://redis:6379/0",
        "OVERSIGHT_SECRET_KEY": "s3cret",
        "OVERSIGHT_EMERGENCY_BACKFILL_HOURS": "48",
        "OVERSIGHT_EVENT_HASH": "sha256",
    }
    s = load_settings(env)
    assert (s.database_url, s.broker_url, s.secret_key) == (
        "postgresql://u@db/oversight", "redis://redis:6379/0", "s3cret",
    )  # fmt: skip
    assert (s.emergency_backfill_hours, s.event_hash_algorithm) == (48, "sha256")
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("EMERGENCY_BACKFILL_HOURS", "0"),
        ("EMERGENCY_BACKFILL_HOURS", "a day"),
        ("EVENT_HASH", "md5"),
    ],
)
def test_bad_values_name_the_variable(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=f"OVERSIGHT_{name}"):
        load_settings({"OVERSIGHT_INSTANCE_DIR": str(tmp_path), f"OVERSIGHT_{name}": value})
