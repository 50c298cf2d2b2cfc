"""The font stack of official documents: the bureau's licensed faces when configured, else a
free CJK serif (Noto Serif CJK SC / Noto Serif SC, SIL OFL 1.1, so it may be shipped).

Why a stack and not one font: GB/T 9704 wants 仿宋_GB2312 for the body and 方正小标宋 for the
发文机关标志 and the title, which are licensed and absent from a fresh machine; Debian's only
仿宋 lacks common Simplified characters (区档馆责书…). So each role (body, title) lists the
licensed file found in ``OVERSIGHT_FONT_DIR`` first, then the system's Noto Serif CJK SC
(Debian ``fonts-noto-cjk``) and last the copy the project installs without root
(:func:`install_free_font`, run by ``make`` into ``~/.local/share/oversight/fonts``). A glyph
the first face lacks comes from the next, so a rare name still prints.

With none of them present nothing is rendered: :class:`NoCJKFont` says how to install one,
rather than printing a notice in boxes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cases.core.errors import OperationRefused

#: The system's Noto Serif CJK (Debian ``fonts-noto-cjk``), reached through fontconfig by name.
SYSTEM_NOTO_DIR = Path("/usr/share/fonts/opentype/noto")
SYSTEM_FAMILY = "Noto Serif CJK SC"
#: The family name the project-installed copy is declared under (``@font-face``).
FREE_FAMILY = "Oversight Serif SC"

#: The npm package shipping Noto Serif SC as TTF (Google Fonts' static instances, OFL) and the
#: files taken from it, each with its SHA-256: a changed download is refused.
FREE_PACKAGE = "@expo-google-fonts/noto-serif-sc@0.4.3"
FREE_FILES: dict[str, tuple[str, str]] = {
    "NotoSerifSC-Regular.ttf": (
        "package/400Regular/NotoSerifSC_400Regular.ttf",
        "c358a69de3df5f423a8946a7b03e3126fb6ba116f1130a463455b4e39e1f0742",
    ),
    "NotoSerifSC-Bold.ttf": (
        "package/700Bold/NotoSerifSC_700Bold.ttf",
        "9c6a2ba736e4b499c84f65ce366bd3625c0401885fd3e585ace50fb738b96ff6",
    ),
    "OFL.txt": (
        "package/LICENSE_FONT",
        "5e0da210fb04058a8c0087985d2d456b931c2579811a49655721d3cf0c36b6d6",
    ),
}

#: How a licensed file is recognised in ``OVERSIGHT_FONT_DIR`` (its name, lower case).
LICENSED_NAMES: dict[str, tuple[str, ...]] = {
    "body": ("仿宋", "fangsong", "fs_gb2312", "simfang", "fzfsk"),
    "title": ("小标宋", "xiaobiaosong", "fzxbs", "xbsjw"),
}
FONT_SUFFIXES = (".ttf", ".otf", ".ttc")


class NoCJKFont(OperationRefused):
    """No CJK font is available: a document would print as boxes (the server's fault: 503)."""

    status = 503


def free_font_dir() -> Path:
    """Where the free font is installed without root (one copy per user, for every instance)."""
    base = os.environ.get("OVERSIGHT_FREE_FONT_DIR")
    if base:
        return Path(base)
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "oversight" / "fonts"


@dataclass(frozen=True)
class Face:
    """One ``@font-face`` rule: a family name bound to a file (and weight)."""

    family: str
    path: Path
    weight: str = "normal"

    def css(self) -> str:
        return (
            f'@font-face {{ font-family: "{self.family}"; font-weight: {self.weight}; '
            f'src: url("{self.path.resolve().as_uri()}"); }}'
        )


@dataclass(frozen=True)
class FontStack:
    """The faces to declare and the ``font-family`` list of each role."""

    faces: tuple[Face, ...]
    body: tuple[str, ...]
    title: tuple[str, ...]
    #: What was found, for ``oversight documents fonts`` and the docs: licensed / system / free.
    sources: tuple[str, ...]

    def css(self) -> str:
        families = {
            "body": ", ".join(f'"{f}"' for f in self.body),
            "title": ", ".join(f'"{f}"' for f in self.title),
        }
        rules = [face.css() for face in self.faces]
        rules.append(
            f":root {{ --body-font: {families['body']}; --title-font: {families['title']}; }}"
        )
        return "\n".join(rules)


def _licensed(font_dir: Path | None) -> dict[str, Path]:
    if font_dir is None or not font_dir.is_dir():
        return {}
    found: dict[str, Path] = {}
    for path in sorted(font_dir.iterdir()):
        if path.suffix.lower() not in FONT_SUFFIXES:
            continue
        name = path.name.lower()
        for role, needles in LICENSED_NAMES.items():
            if role not in found and any(n in name for n in needles):
                found[role] = path
    return found


def system_noto_present() -> bool:
    return any(SYSTEM_NOTO_DIR.glob("NotoSerifCJK-*.tt*"))


def font_stack(font_dir: Path | None = None) -> FontStack:
    """The stack for this machine; raises :class:`NoCJKFont` when there is no CJK face."""
    faces: list[Face] = []
    body: list[str] = []
    title: list[str] = []
    sources: list[str] = []
    licensed = _licensed(font_dir)
    if "body" in licensed:
        faces.append(Face("Licensed Body", licensed["body"]))
        body.append("Licensed Body")
        sources.append(f"licensed body: {licensed['body'].name}")
    if "title" in licensed:
        faces.append(Face("Licensed Title", licensed["title"]))
        title.append("Licensed Title")
        sources.append(f"licensed title: {licensed['title'].name}")
    if system_noto_present():
        body.append(SYSTEM_FAMILY)
        title.append(SYSTEM_FAMILY)
        sources.append(f"system: {SYSTEM_FAMILY}")
    free = free_font_dir()
    regular, bold = free / "NotoSerifSC-Regular.ttf", free / "NotoSerifSC-Bold.ttf"
    if regular.is_file():
        faces.append(Face(FREE_FAMILY, regular))
        if bold.is_file():
            faces.append(Face(FREE_FAMILY, bold, "bold"))
        body.append(FREE_FAMILY)
        title.append(FREE_FAMILY)
        sources.append(f"free: {regular}")
    if not body:
        raise NoCJKFont(
            "没有可用的中文字体，文书无法正确显示：请运行 oversight documents fonts 安装思源宋体"
            "（Noto Serif SC），或设置 OVERSIGHT_FONT_DIR 指向本单位授权的仿宋_GB2312、方正小标宋字体",
            "No CJK font is available, documents would print as boxes: run `oversight documents "
            "fonts` to install Noto Serif SC, or set OVERSIGHT_FONT_DIR to the licensed fonts",
        )
    return FontStack(tuple(faces), tuple(body), tuple(title), tuple(sources))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def free_font_installed(target: Path | None = None) -> bool:
    target = target or free_font_dir()
    return all((target / name).is_file() for name in FREE_FILES)


def install_free_font(target: Path | None = None) -> Path:
    """Fetch Noto Serif SC from the npm registry (``npm pack``, no root), check each file's
    SHA-256 and put it in ``target``. Idempotent: files already there are kept."""
    target = target or free_font_dir()
    if free_font_installed(target):
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise NoCJKFont(
            "未找到 npm，无法下载思源宋体：请安装 Node.js，或设置 OVERSIGHT_FONT_DIR",
            "npm is not installed, so Noto Serif SC cannot be fetched: install Node.js or set "
            "OVERSIGHT_FONT_DIR",
        )
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            [npm, "pack", "--silent", FREE_PACKAGE], cwd=tmp, capture_output=True, text=True
        )
        tarballs = list(Path(tmp).glob("*.tgz"))
        if done.returncode != 0 or not tarballs:
            raise NoCJKFont(
                f"下载字体包 {FREE_PACKAGE} 失败：{done.stderr.strip()[-300:]}",
                f"Fetching the font package {FREE_PACKAGE} failed: {done.stderr.strip()[-300:]}",
            )
        with tarfile.open(tarballs[0]) as archive:
            for name, (member, sha256) in FREE_FILES.items():
                source = archive.extractfile(member)
                if source is None:
                    raise NoCJKFont(
                        f"字体包中缺少 {member}", f"{member} is missing from the package"
                    )
                partial = target / (name + ".part")
                with partial.open("wb") as out:
                    shutil.copyfileobj(source, out)
                if _sha256(partial) != sha256:
                    partial.unlink()
                    raise NoCJKFont(
                        f"{name} 的校验值不符，已拒绝",
                        f"{name} does not match its SHA-256; refused",
                    )
                partial.replace(target / name)
    return target


def main() -> int:
    """``python -m cases.documents.fonts``: what ``make`` runs — install the free font unless a
    CJK face is already there (the system's Noto Serif CJK, or a copy installed before)."""
    if system_noto_present() or free_font_installed():
        print("CJK serif font present:", "; ".join(font_stack().sources))
        return 0
    try:
        target = install_free_font()
    except NoCJKFont as exc:
        print(f"{exc.reason_zh} ({exc.reason_en})")
        return 1
    print(f"Noto Serif SC installed in {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
