"""Rendering cost of the 执法通知书: 1,000 notices one by one, and a batch of 100 as one PDF.

What is timed is the renderer alone (:class:`cases.documents.pdf.PdfRenderer`: Jinja, WeasyPrint
layout, CJK subsetting, PDF/A-2b) on notices shaped as :func:`cases.documents.notice.notice_paper`
makes them, each with its own number and facts of varying length — the part of making a
document that grows with the text. The rest (one ``documents`` row and one chain event) is what
``bench/door.py`` measures for any event. The fonts are those of this machine
(``oversight documents fonts``); subsetting with HarfBuzz (``libharfbuzz-subset0``) versus
WeasyPrint's fontTools fallback is the largest difference between machines.

    .venv/bin/python bench/documents.py [--notices 1000] [--batch 100]

Last line: ``notice_ms_p50=<n> notice_ms_p95=<n> batch_100_s=<n>``.
Targets: p95 ≤ 300 ms per notice; a batch of 100 as one PDF ≤ 15 s.
"""

# ruff: noqa: E402  (imports follow the sys.path fix below)
from __future__ import annotations

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
if str(_HERE.parent) not in sys.path:
    sys.path.insert(0, str(_HERE.parent))

import argparse
import statistics
import time
from datetime import date

from cases.core.settings import current_settings
from cases.documents.pdf import PdfRenderer
from cases.documents.renderer import DocumentMeta, Page

FACTS = (
    "该单位电子档案管理系统未按规定设置访问权限，归档电子文件未进行真实性、完整性检测",
    "备份介质未异地保存，相关制度未经审定即执行",
    "档案库房温湿度记录缺失，消防器材过期未更换",
)


def paper(i: int) -> tuple[Page, DocumentMeta]:
    number = f"鹿档执通〔2026〕{i + 1}号"
    facts = [f"{k + 1}. {FACTS[(i + k) % len(FACTS)]}。" for k in range(1 + i % 6)]
    data = {
        "authority": "石家庄市鹿泉区档案馆",
        "number": number,
        "unit": f"鹿泉区第{i + 1}中学",
        "credit_code": "12130185MB0000001X",
        "inspected_on_zh": "2026年3月2日",
        "facts": facts,
        "legal_basis": "《中华人民共和国档案法》第四十五条、《中华人民共和国档案法实施条例》第六章　监督检查",
        "required_correction": ["建立并执行电子文件归档登记制度，完成备份介质异地保存"],
        "remedial_measures": ["立即补登已形成的电子文件"] if i % 2 else [],
        "time_limit": "15个自然日",
        "due_zh": "2026年3月17日",
        "officers": [
            {"name": "张明", "credential_no": "冀鹿0001"},
            {"name": "李华", "credential_no": "冀鹿0002"},
        ],
        "date_zh": "2026年3月2日",
    }
    meta = DocumentMeta(
        kind="notice", title="档案监督检查执法通知书", number=number,
        authority="石家庄市鹿泉区档案馆", date=date(2026, 3, 2), case_id=i + 1, unit=data["unit"],
    )  # fmt: skip
    return Page("notice.html", data), meta


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()
    renderer = PdfRenderer(font_dir=current_settings().font_dir)
    print("fonts:", "; ".join(renderer.fonts.sources))
    page, meta = paper(0)
    renderer.render([page], meta)  # import WeasyPrint, parse the style sheet, load the faces
    times: list[float] = []
    sizes: list[int] = []
    for i in range(args.notices):
        page, meta = paper(i)
        start = time.perf_counter()
        sizes.append(len(renderer.render([page], meta)))
        times.append((time.perf_counter() - start) * 1000)
    pages = [paper(i)[0] for i in range(args.batch)]
    batch_meta = DocumentMeta(
        kind="notice-batch", title="2026年3月执法通知书", number=f"共{args.batch}份",
        authority="石家庄市鹿泉区档案馆", date=date(2026, 3, 1), case_id=None,
    )  # fmt: skip
    start = time.perf_counter()
    batch = renderer.render(pages, batch_meta)
    batch_s = time.perf_counter() - start
    print(
        f"{args.notices} notices: mean {statistics.mean(times):.1f} ms, max {max(times):.1f} ms, "
        f"mean size {statistics.mean(sizes) / 1024:.0f} KiB; batch of {args.batch}: "
        f"{len(batch) / 1024:.0f} KiB"
    )
    print(
        f"notice_ms_p50={percentile(times, 0.5):.1f} notice_ms_p95={percentile(times, 0.95):.1f} "
        f"batch_{args.batch}_s={batch_s:.2f}"
    )


if __name__ == "__main__":
    main()
