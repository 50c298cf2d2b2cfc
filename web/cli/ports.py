"""Is the port ``oversight up`` is to serve on free? Asked before anything starts.

Werkzeug binds the port only once the database is migrated, the demo district loaded and the
worker started; on a busy port it printed "running on http://127.0.0.1:5000/" and then failed
with a traceback, leaving a worker behind. :func:`require_free_port` binds the port the way the
server will (``SO_REUSEADDR``, so a port left in TIME_WAIT by the last run counts as free),
lets it go at once, and stops the command with exit 69 (EX_UNAVAILABLE) and a message naming
the port and how to choose another (``make up PORT=…`` or ``OVERSIGHT_PORT``).
"""

from __future__ import annotations

import errno
import socket

from web.cli.guard import EXIT_UNAVAILABLE, CommandFailed

#: How far above a busy port to look for a free one to suggest.
_SUGGEST_WITHIN = 20


def bind_refusal(host: str, port: int) -> OSError | None:
    """Why ``host:port`` cannot be bound now (``None``: it can)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        return exc
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            return exc
    return None


def free_port_near(host: str, port: int) -> int | None:
    """The first port above ``port`` (within a few) that can be bound, to suggest."""
    for candidate in range(port + 1, min(port + _SUGGEST_WITHIN, 65535) + 1):
        if bind_refusal(host, candidate) is None:
            return candidate
    return None


def require_free_port(host: str, port: int) -> None:
    """Stop with exit 69 and a Chinese and English message when ``host:port`` is not free."""
    refused = bind_refusal(host, port)
    if refused is None:
        return
    other = free_port_near(host, port) or port + 1
    how_zh = f"请换一个端口：make up PORT={other}，或 OVERSIGHT_PORT={other} oversight up"
    how_en = f"choose another port: make up PORT={other}, or OVERSIGHT_PORT={other} oversight up"
    where = f"{host}:{port}"
    if isinstance(refused, socket.gaierror):
        zh, en = f"无法解析监听地址 {host}", f"cannot resolve the address {host}"
        how_zh, how_en = "请用 OVERSIGHT_HOST 指定本机地址", "set OVERSIGHT_HOST to an address here"
    elif refused.errno == errno.EADDRINUSE:
        zh, en = f"端口 {port} 已被占用（{where}）", f"port {port} is already in use ({where})"
    elif refused.errno == errno.EACCES:
        zh, en = f"无权使用端口 {port}（{where}）", f"no permission to use port {port} ({where})"
    else:
        why = refused.strerror or type(refused).__name__
        zh, en = f"无法监听 {where}：{why}", f"cannot listen on {where}: {why}"
    raise CommandFailed(
        f"{zh}，Oversight 未启动；{how_zh} ({en}; nothing was started — {how_en})",
        EXIT_UNAVAILABLE,
    )
