"""``oversight documents``: official documents from the command line.

    oversight documents render notice 12 notice.pdf    # the kept document (made on first use)
    oversight documents verify notice.pdf              # ours and intact? exit 0, else 1
    oversight documents batch 2026-03 march.pdf        # the month's notices as one PDF
    oversight documents fonts                          # which faces are used; install the free one

``render`` and ``batch`` act as the signed-in user (``oversight login`` or ``OVERSIGHT_TOKEN``)
and are audited; ``verify`` reads the database only, like ``oversight verify-events``. The
rules live in :mod:`cases.documents`.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from cases.core.clock import utcnow
from cases.core.db import read_session
from cases.core.errors import OversightError
from cases.documents.batch import month_batch
from cases.documents.fonts import NoCJKFont, font_stack, free_font_dir, install_free_font
from cases.documents.issue import KINDS, document_of, renderer_for
from cases.documents.revisions import MAX_TEMPLATE_CHARS, revise_template
from cases.documents.verify import verify_document
from web.cli.signin import signed_command
from web.cli.support import ID, CheckedPath, click_error, session_factory

#: A document is a few hundred kilobytes; a file far larger is not one of ours.
MAX_VERIFY_BYTES = 64 * 1024 * 1024
_MONTH = re.compile(r"(\d{4})-(\d{2})")

OUT = CheckedPath.of(click.Path(dir_okay=False, writable=True, path_type=Path))
IN = CheckedPath.of(click.Path(exists=True, dir_okay=False, readable=True, path_type=Path))


@click.group("documents")
def documents_group() -> None:
    """Official documents (执法文书): render, verify, batch-print, fonts."""


def _write(out: Path, content: bytes) -> None:
    try:
        out.write_bytes(content)
    except OSError as exc:
        raise click.ClickException(
            f"无法写入 {out}：{exc.strerror} (cannot write {out}: {exc.strerror})"
        ) from exc


@documents_group.command("render")
@click.argument("kind", type=click.Choice(sorted(KINDS)))
@click.argument("source_id", metavar="ID", type=ID)
@click.argument("out", type=OUT)
@with_appcontext
def render(kind: str, source_id: int, out: Path) -> None:
    """Write document KIND of row ID (a notice's id) to OUT: the kept bytes, or made now with
    its digest recorded on the case's chain."""
    settings = current_app.config["OVERSIGHT"]
    try:
        with signed_command("document_download", f"{kind}:{source_id}") as act:
            doc = document_of(
                act.session, act.user, kind, source_id, now=utcnow(), settings=settings
            )
            act.target = f"case:{doc.case_id} {kind}:{source_id}"
            act.detail = {"number": doc.number, "sm3": doc.sm3, "size": doc.size}
            content, number, sm3 = doc.content, doc.number, doc.sm3
            where = f"案件{doc.case_id}第{doc.event_seq}号事件 (case {doc.case_id}, event {doc.event_seq})"
    except OversightError as exc:
        raise click_error(exc) from exc
    _write(out, content)
    click.echo(f"{number}: {out} ({len(content)} bytes, SM3 {sm3}; {where})")


@documents_group.command("verify")
@click.argument("file", type=IN)
@with_appcontext
def verify(file: Path) -> None:
    """Recompute FILE's SM3 digest and name the case and event it belongs to; exit 1 when it is
    not ours or not intact (不是本系统出具或已被改动)."""
    try:
        size = file.stat().st_size
        if size > MAX_VERIFY_BYTES:
            raise click.ClickException(
                f"{file} 过大（{size} 字节），不是本系统出具的文书 "
                f"({file} is too large to be one of our documents)"
            )
        content = file.read_bytes()
    except OSError as exc:
        raise click.ClickException(
            f"无法读取 {file}：{exc.strerror} (cannot read {file}: {exc.strerror})"
        ) from exc
    try:
        with read_session(session_factory()) as session:
            verdict = verify_document(session, content)
    except OversightError as exc:
        raise click_error(exc) from exc
    if not verdict.ours:
        raise click.ClickException(verdict.message)
    click.echo(verdict.message)


@documents_group.command("batch")
@click.argument("month", metavar="YYYY-MM")
@click.argument("out", type=OUT)
@with_appcontext
def batch(month: str, out: Path) -> None:
    """Print every notice issued in MONTH (Asia/Shanghai) on the cases you may see as one PDF."""
    found = _MONTH.fullmatch(month.strip())
    if found is None:
        raise click.BadParameter(
            f"“{month[:20]}”不是年月，应写作 2026-03 ({month[:20]!r} is not a month like 2026-03)"
        )
    year, number = int(found[1]), int(found[2])
    settings = current_app.config["OVERSIGHT"]
    try:
        with signed_command("document_batch", f"notices:{year}-{number:02d}") as act:
            content, count = month_batch(
                act.session, act.user, year, number, renderer_for(settings)
            )
            act.detail = {"count": count, "size": len(content)}
    except OversightError as exc:
        raise click_error(exc) from exc
    _write(out, content)
    click.echo(f"{year}年{number}月执法通知书共{count}份: {out} ({count} notices)")


@documents_group.command("fonts")
@click.option("--install", is_flag=True, help="Fetch Noto Serif SC (npm, no root) if absent.")
@with_appcontext
def fonts(install: bool) -> None:
    """Say which faces the documents use; with --install, fetch the free one first."""
    try:
        if install:
            click.echo(f"free font: {install_free_font()}")
        stack = font_stack(current_app.config["OVERSIGHT"].font_dir)
    except NoCJKFont as exc:
        raise click.ClickException(
            f"{exc.reason_zh} ({exc.reason_en}); free font folder: {free_font_dir()}"
        ) from exc
    for source in stack.sources:
        click.echo(source)


@documents_group.command("template")
@click.argument("kind", type=click.Choice(sorted(KINDS)))
@click.argument("file", type=IN)
@with_appcontext
def template(kind: str, file: Path) -> None:
    """Keep FILE (a Jinja template, UTF-8) as the next version of KIND's template; documents
    made from now on use it, those made before keep theirs (system administrator)."""
    try:
        body = file.read_bytes()[: MAX_TEMPLATE_CHARS * 4 + 1].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise click.ClickException(
            f"{file} 不是 UTF-8 文本 ({file} is not UTF-8 text: {exc.reason})"
        ) from exc
    except OSError as exc:
        raise click.ClickException(
            f"无法读取 {file}：{exc.strerror} (cannot read {file}: {exc.strerror})"
        ) from exc
    try:
        with signed_command("document_template", f"template:{kind}") as act:
            row = revise_template(act.session, act.user, kind, body, now=utcnow())
            act.detail = {"version": row.version, "chars": len(body)}
            version = row.version
    except OversightError as exc:
        raise click_error(exc) from exc
    click.echo(
        f"{KINDS[kind].label_zh} 模板第{version}版已启用 (template version {version} of {kind})"
    )
