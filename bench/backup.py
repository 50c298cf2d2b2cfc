"""Backup and restore of the demo district on SQLite, with attachments, plain and SM4.

    .venv/bin/python bench/backup.py                 # backup_s= restore_s= per mode
    .venv/bin/python bench/backup.py --attachments-mb 200

Everything lives in a temporary folder, deleted at the end. Prints one line per mode:
``mode=sm4 archive_mb=… backup_s=… restore_s=… mb_per_s=…`` (mb_per_s: archive bytes through
backup + restore).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cases.core.db import command_session, make_engine, make_session_factory  # noqa: E402
from cases.core.migrate import upgrade  # noqa: E402
from cases.core.settings import load_settings  # noqa: E402
from cases.demo.district import seed_demo  # noqa: E402
from cases.operations.backup import make_backup, restore_backup  # noqa: E402
from cases.operations.sealing import BackupKey  # noqa: E402
from cases.reference.sync import sync_reference_data  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--attachments-mb", type=int, default=100)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="oversight-bench-backup-"))
    try:
        site = root / "site"
        site.mkdir()
        url = f"sqlite:///{site / 'oversight.db'}"
        upgrade(url)
        engine = make_engine(url)
        factory = make_session_factory(engine)
        with command_session(factory) as s:
            sync_reference_data(s)
        with command_session(factory) as s:
            seed_demo(s, seed=2026)
        engine.dispose()
        (site / "attachments").mkdir()
        for n in range(args.attachments_mb):
            (site / "attachments" / f"{n:04x}").write_bytes(os.urandom(1 << 20))
        env = {"OVERSIGHT_INSTANCE_DIR": str(site), "OVERSIGHT_SECRET_KEY": "bench"}
        settings = load_settings(env).with_(database_url=url)
        for mode, key in (("plain", None), ("sm4", BackupKey(os.urandom(16)))):
            archive = root / f"{mode}.ovb"
            started = time.perf_counter()
            make_backup(settings, archive, key=key)
            backup_s = time.perf_counter() - started
            target = root / f"target-{mode}"
            target.mkdir()
            restored = load_settings({**env, "OVERSIGHT_INSTANCE_DIR": str(target)}).with_(
                database_url=f"sqlite:///{target / 'oversight.db'}"
            )
            started = time.perf_counter()
            restore_backup(restored, archive, key=key)
            restore_s = time.perf_counter() - started
            mb = archive.stat().st_size / (1 << 20)
            print(
                f"mode={mode} archive_mb={mb:.1f} backup_s={backup_s:.2f} "
                f"restore_s={restore_s:.2f} mb_per_s={2 * mb / (backup_s + restore_s):.0f}"
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
