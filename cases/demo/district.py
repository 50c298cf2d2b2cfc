"""Demo data: a believable Luquan district (``oversight seed-demo``).

About 300 supervised units, the archives bureau's officers and administrators, a year of
inspections in both regimes meeting the seed's quotas (DESIGN §3), and the cases they opened,
driven through the one door with real triggers at past instants until cases stand in every state
of the machine. Everything follows from ``random.Random(seed)`` and ``today``: the same seed and
day give the same district. Nothing here assigns a state or writes an event — ``advance`` does.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cases.casework.door import advance
from cases.core.clock import (
    local_date,
    shanghai_midnight_utc,
    shanghai_time,
    utcnow,
)
from cases.core.errors import InvalidInput
from cases.core.vocabulary import CircularKind, InspectionKind, Role
from cases.demo.records import finish_records, recusal_complaints_and_plans
from cases.inspections.checklists import ItemOutcome, current_checklist
from cases.inspections.results import record_inspection
from cases.models import Authority, Case, Circular, Unit, User
from cases.reference.sync import sync_reference_data
from cases.reference.timelimits import TimeLimit, compute_due
from cases.reference.workdays import default_calendar
from cases.registry.credit_code import make_credit_code
from cases.registry.register import create_authority, create_user, register_unit, system_actor
from workflows.case_machine import STATE_NAMES, edges, who_may

AUTHORITY = dict(
    code="luquan", name="石家庄市鹿泉区档案馆", jurisdiction="鹿泉区", notice_prefix="鹿档执通",
    superior_name="石家庄市档案局", government_name="石家庄市鹿泉区人民政府",
    network_security_authority="中共石家庄市鹿泉区委员会网络安全和信息化委员会办公室",
)  # fmt: skip
AREA = "130110"  # 石家庄市鹿泉区 (GB/T 2260; 130185 was 鹿泉市 before it became a district in 2014)
TOTAL_UNITS = 300
TOWNS = (
    "获鹿镇 铜冶镇 寺家庄镇 上庄镇 李村镇 宜安镇 黄壁庄镇 大河镇 山尹村镇 石井乡 白鹿泉乡 上寨乡"
)
# name[:flags] — C 国家专业档案目录, L 30年/永久档案, D 涉及国家安全/公共利益/重大公民利益的数据库
DIRECT_ORGANS = """人民政府办公室:L 发展和改革局 教育局:L 科学技术和工业信息化局 石家庄市公安局鹿泉分局:LD
民政局:C 司法局 财政局:L 人力资源和社会保障局:LD 石家庄市自然资源和规划局鹿泉分局:CL 生态环境分局
住房和城乡建设局:C 交通运输局 农业农村局 水利局 商务局 文化广电和旅游局 卫生健康局:L 退役军人事务局:L
应急管理局 审计局 市场监督管理局:LD 统计局:D 医疗保障局:D 行政审批局:LD 城市管理综合行政执法局 信访局 林业局
人民防空办公室"""
OTHER_ORGANS = """中共鹿泉区委办公室:L 中共鹿泉区纪律检查委员会:L 中共鹿泉区委组织部:L 中共鹿泉区委宣传部
中共鹿泉区委统一战线工作部 中共鹿泉区委政法委员会 中共鹿泉区委机构编制委员会办公室:L 人大常委会办公室:L
政协鹿泉区委员会办公室 人民法院:L 人民检察院:L 石家庄鹿泉经济开发区管理委员会"""
INSTITUTIONS = """人民医院:LD 中医院:L 妇幼保健院:L 疾病预防控制中心:D 不动产登记中心:CLD 社会保险事业服务中心:LD
城建档案馆:CL 公证处:CL 人才交流服务中心:L 就业服务中心:D 婚姻登记处:CL 融媒体中心 图书馆 文化馆 机关事务服务中心
政务服务中心 农业技术推广中心 水务服务中心 林业服务中心 退役军人服务中心 殡葬管理所 第一中学 第二中学 第三中学
实验中学 职业技术教育中心 实验小学 第二实验小学 特殊教育学校 实验幼儿园 教师发展中心"""
MASS_ORGS = "总工会 共青团鹿泉区委员会 妇女联合会 工商业联合会 科学技术协会 残疾人联合会 红十字会"
ASSOCIATIONS = """慈善协会 个体劳动者协会 企业家协会 书法家协会 作家协会 摄影家协会 老年体育协会 餐饮行业协会
建筑业协会 物流协会 律师协会 家庭教育研究会 青年企业家协会 老科学技术工作者协会 志愿者协会 社会工作协会"""
NAMED_ENTERPRISES = """石家庄市鹿泉区城市建设投资集团有限公司:L 河北鹿泉农村商业银行股份有限公司:LD
石家庄鹿泉档案数字化服务有限公司:L 石家庄市鹿泉区供水有限公司 石家庄市鹿泉区供热有限公司"""
BRANDS = """鹿源 抱犊 鹿鸣 太行 封龙 西山 泉源 冶河 龙泉 鹿城 恒泰 华鑫 凯达 金泉 宏远 瑞丰 众诚 博远 新元 鑫源
天成 永盛 德隆 嘉和 安泰 中冀 冀鹿 汇通 润泽 远航 聚力 天诚 鼎盛 信达 泰和 兴业 华晨 卓越 宏图 盛达"""
TRADES = """建材 水泥制品 电子科技 信息技术 物流 食品 药业 机械制造 建筑工程 房地产开发 物业服务 商贸 农业科技
环保科技 新材料 旅游开发 数据科技 印刷 汽车销售服务 光电科技 钢结构 生物科技 医疗器械 劳务派遣"""
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马胡朱郭何罗高林董郑梁谢韩冯曹彭"
GIVEN = """建国 志强 丽娟 海燕 晓东 玉兰 国华 立新 秀英 文杰 俊峰 雪梅 红梅 振华 永刚 春生 金凤 卫东 淑芬 建军
亚楠 晓静 宏伟 彦军 素芳 立军 晓燕 建华 海英 国栋"""
# username:name:credential issued (days before today), valid 5 years — 刘海英's expired 100 days ago
INSPECTORS = """zhanglijun:张立军:900 wangxiaoyan:王晓燕:1200 lijianhua:李建华:700 zhaozhiqiang:赵志强:1500
liuhaiying:刘海英:1926 chenxuemei:陈雪梅:560 yangguodong:杨国栋:1100 sunlijuan:孙丽娟:430"""
OTHER_STAFF = (
    ("wujianguo", "吴建国（馆长）", Role.LEADER), ("sysadmin", "郑伟（系统管理员）", Role.SYSTEM_ADMIN),
    ("secadmin", "冯晓静（安全管理员）", Role.SECURITY_ADMIN), ("audadmin", "韩素芳（安全审计员）", Role.AUDIT_ADMIN),
)  # fmt: skip
KEY_UNITS = {  # ≈1% of the units (seed 电子 三(一)), each inspected on site once a year
    "鹿泉区不动产登记中心": "保管不动产登记档案（列入国家专业档案目录），登记数据库涉及重大公民利益",
    "鹿泉区社会保险事业服务中心": "社会保险电子档案单套归档，参保数据库涉及重大公民利益",
    "鹿泉区人民医院": "电子病历全面归档，电子档案数量大、安全风险高",
}
PROBLEMS = {
    "EA-1": "未建立电子文件归档登记制度，OA系统公文未按规定登记归档|电子文件归档范围和保管期限表未经审批",
    "EA-2": "归档电子文件未采取电子签章等防篡改措施|电子档案缺少固化信息，真实性无法验证",
    "EA-3": "电子档案元数据著录不全，缺少机构人员和业务行为元数据|未开展归档电子文件“四性”检测",
    "EA-4": "存储格式不符合长期保存要求，未进行格式转换|离线备份光盘未定期检测，部分无法读取",
    "EA-5": "档案管理系统存在弱口令，未启用身份鉴别|电子档案服务器未做异地备份，未安装防病毒软件",
    "EA-6": "未按规定向区档案馆移交到期电子档案",
    "AS-1": "未明确档案安全分管领导和责任人，未建立档案安全责任制",
    "AS-2": "档案工作未纳入单位年度考核，档案管理制度多年未修订",
    "AS-3": "档案库房无温湿度记录，防火、防水措施不到位|档案库房与办公用房混用，未配备灭火器材",
    "AS-4": "档案信息管理系统未开展等级保护测评，存在高危漏洞",
    "AS-5": "未制定档案安全应急预案，未开展应急演练",
    "AS-6": "政府信息公开前未经保密审查，公开了含个人信息的档案资料",
    "AS-7": "涉密计算机接入互联网，涉密载体未登记管理",
    "AS-8": "档案外包服务未签订保密协议，外包人员未经审查",
}
EMERGENCY = "档案库房顶棚漏水，部分永久卷档案受潮，须立即转移抢救"
REASONS = {
    "order_emergency_measures": "现场发现紧急情况，责令立即转移抢救受影响档案",
    "reject_rectification": "复查发现整改不到位，证明材料不足",
    "extend_deadline": "单位书面申请延期，所需设备须履行政府采购程序，理由成立",
    "escalate": "存在严重安全隐患（或逾期未改正），已责令立即停止违法行为、采取措施消除隐患",
    "void": "经复核，该单位检查前已完成整改，问题不成立",
}
LIMITS = ((15, "natural_day"), (30, "natural_day"), (10, "working_day"), (20, "working_day"))
#: Days between steps (lower, upper), landing in office hours; the others are timed in hours.
GAPS = {"issue_notice": (1, 3), "acknowledge": (1, 2), "verify": (2, 5), "close": (1, 3),
        "reject_rectification": (2, 4), "extend_deadline": (1, 3), "escalate": (1, 2),
        "receive_instructions": (7, 15), "void": (2, 5)}  # fmt: skip
_FIX = ("issue_notice", "acknowledge", "submit_rectification")
_LAPSE = ("issue_notice", "acknowledge", "deadline_lapsed")
#: Scenario → triggers in order ("receive_instructions:<outcome>").
SCENARIOS: dict[str, tuple[str, ...]] = {
    "detected": (), "emergency": ("order_emergency_measures",),
    "notice_issued": ("issue_notice",), "rectifying": ("issue_notice", "acknowledge"),
    "rejected": (*_FIX, "reject_rectification"), "awaiting_verification": _FIX,
    "verified": (*_FIX, "verify"), "closed": (*_FIX, "verify", "close"),
    "closed_after_reject": (*_FIX, "reject_rectification", "submit_rectification", "verify", "close"),
    "backfilled_closed": ("order_emergency_measures", "backfill_notice", *_FIX[1:], "verify", "close"),
    "overdue": _LAPSE, "extended": (*_LAPSE, "extend_deadline"),
    "extended_closed": (*_LAPSE, "extend_deadline", "submit_rectification", "verify", "close"),
    "escalated": ("escalate",), "overdue_escalated": (*_LAPSE, "escalate"),
    "instructed_rectify": ("escalate", "receive_instructions:rectify"),
    "instructed_close": ("escalate", "receive_instructions:close"),
    "escalated_closed": ("escalate", "close"), "voided": ("void",),
}  # fmt: skip
#: Each gets a case (scarcest first) so that every state and both ways to close appear;
#: "closed_infosec" is "closed" for a security-regime information-security case (circular).
REQUIRED = ("emergency", "backfilled_closed", "escalated", "instructed_close", "closed_infosec",
            "detected", "notice_issued", "awaiting_verification", "rectifying", "verified",
            "overdue", "voided", "closed")  # fmt: skip
WEIGHTS = {"closed": 30, "closed_after_reject": 6, "voided": 5, "verified": 4, "rectifying": 6,
           "rejected": 3, "awaiting_verification": 4, "notice_issued": 4, "detected": 3,
           "overdue": 3, "extended": 2, "extended_closed": 4, "escalated": 2,
           "overdue_escalated": 2, "instructed_rectify": 2, "instructed_close": 3,
           "escalated_closed": 2, "backfilled_closed": 3}  # fmt: skip
#: An open state must be recent: its last step at most this many days before today.
FRESH_DAYS = {
    "detected": 10,
    "emergency_measures": 1,
    "overdue": 60,
    "escalated": 90,
    "verified": 60,
}
PENDING = {"notice_issued", "rectifying", "awaiting_verification"}  # rectification deadline runs
DEST = {trigger: dest for _, trigger, dest in edges()}

Step = tuple[str, datetime, dict[str, Any]]  # trigger, now, time limit / outcome


@dataclass
class Staff:
    inspectors: list[User]
    supervisor: User
    system: User
    liaisons: dict[int, User] = field(default_factory=dict)

    def pair(self, rnd: random.Random, on: date) -> list[User]:
        """双随机: two officers drawn among those whose credential is valid ``on``."""
        return rnd.sample([o for o in self.inspectors if o.credential_problem(on) is None], 2)


@dataclass
class Planned:
    day: date
    unit: Unit
    regime: str
    kind: str
    forced: tuple[str, ...] = ()  # the only failed items: code, "!" emergency, "*" serious
    hour: int = 0  # 0: in the morning


def seed_demo(
    session: Session, *, seed: int = 2026, if_empty: bool = False, today: date | None = None
) -> str:
    """Create the Luquan demo district in the caller's transaction; return a one-line summary."""
    if if_empty and session.scalar(select(Unit.id).limit(1)) is not None:
        return "demo data already present"
    if session.scalar(select(Authority.id).where(Authority.code == AUTHORITY["code"])):
        raise InvalidInput(
            "演示数据已存在（档案机关“luquan”已登记），请使用空数据库",
            "demo data already present (authority 'luquan' exists); use an empty database",
        )
    today = today or local_date(utcnow())
    rnd = random.Random(seed)
    sync_reference_data(session)
    authority = create_authority(session, **AUTHORITY)
    units = _register_units(session, authority, rnd, today)
    staff = _create_staff(session, authority, today)
    plan = _plan_inspections(rnd, units, today)
    cases = _record_inspections(session, rnd, plan, staff)
    for unit in sorted({c.unit for c in cases}, key=lambda u: u.id):
        staff.liaisons[unit.id] = create_user(
            session, username=f"liaison_{unit.id}", display_name=f"{_person(rnd)}（{unit.name}）",
            role=Role.UNIT_LIAISON, unit=unit,
        )  # fmt: skip
    _drive_cases(session, rnd, seed, cases, staff, shanghai_midnight_utc(today))
    paperwork = finish_records(session, authority, rnd, today)
    extras = recusal_complaints_and_plans(
        session, authority, staff.supervisor, staff.inspectors, units, rnd, today
    )
    return f"{_summary(session, units, len(plan))}; {paperwork.summary()}; {extras}"


def _person(rnd: random.Random) -> str:
    return rnd.choice(SURNAMES) + rnd.choice(GIVEN.split())


def _org_code(rnd: random.Random) -> str:
    """A 9-character 组织机构代码 (GB 11714): 8 digits and their check character."""
    body = "".join(rnd.choice("0123456789") for _ in range(8))
    weighted = sum(int(c) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    return body + {10: "X", 11: "0"}.get(11 - weighted % 11, str(11 - weighted % 11))


def _specs(text: str, kind: str, prefix: str, direct: bool = False) -> Iterator[tuple]:
    for entry in text.split():
        name, _, flags = entry.partition(":")
        if not name.startswith(("石家庄", "中共", "政协", "共青团", "河北")):
            name = "鹿泉区" + name
        yield name, kind, prefix, flags, direct


def _unit_specs(rnd: random.Random) -> list[tuple]:
    """(name, kind, credit-code prefix, flags, district-direct) for every unit."""
    towns = TOWNS.split()
    specs = [
        *_specs(DIRECT_ORGANS, "organ", "11", direct=True),
        *_specs(OTHER_ORGANS, "organ", "11"),
        *_specs(" ".join(f"{t}人民政府:L" for t in towns), "organ", "11"),
        *_specs(INSTITUTIONS, "institution", "12"),
        *_specs(" ".join(f"{t}中心学校 {t}卫生院" for t in towns), "institution", "12"),
        *_specs(MASS_ORGS, "association", "13"),  # 群团 are registered by the 编办 (13)
        *_specs(ASSOCIATIONS, "association", "51"),
        *_specs(NAMED_ENTERPRISES, "enterprise", "91"),
    ]
    names = {s[0] for s in specs}
    while len(specs) < TOTAL_UNITS:
        region = rnd.choice(("石家庄", "石家庄", "河北", "石家庄鹿泉"))
        suffix = rnd.choice(("有限公司",) * 8 + ("有限责任公司", "股份有限公司"))
        name = region + rnd.choice(BRANDS.split()) + rnd.choice(TRADES.split()) + suffix
        if name not in names:
            names.add(name)
            specs.append((name, "enterprise", "91", "", False))
    return specs


def _register_units(
    session: Session, authority: Authority, rnd: random.Random, today: date
) -> list[Unit]:
    units: list[Unit] = []
    codes: set[str] = set()
    for name, kind, prefix, flags, direct in _unit_specs(rnd):
        code = make_credit_code(prefix + AREA + _org_code(rnd))
        while code in codes:
            code = make_credit_code(prefix + AREA + _org_code(rnd))
        codes.add(code)
        reason = KEY_UNITS.get(name)
        units.append(register_unit(
            session, authority, name=name, credit_code=code, kind=kind, is_district_direct=direct,
            responsible_person=_person(rnd), key_unit_reason=reason,
            key_unit_since=date(today.year - 1, 3, 1) if reason else None,
            holds_national_catalog="C" in flags, holds_long_term="L" in flags,
            runs_sensitive_database="D" in flags,
        ))  # fmt: skip
    return units


def _create_staff(session: Session, authority: Authority, today: date) -> Staff:
    def officer(username: str, name: str, n: int, issued_ago: int, role: Role) -> User:
        issued = today - timedelta(days=issued_ago)
        return create_user(
            session, username=username, display_name=name, role=role, authority=authority,
            credential_no=f"冀鹿执{n:04d}", credential_issued_on=issued,
            credential_expires_on=issued.replace(year=issued.year + 5) - timedelta(days=1),
        )  # fmt: skip

    rows = [entry.split(":") for entry in INSPECTORS.split()]
    inspectors = [
        officer(u, name, n, int(ago), Role.INSPECTOR) for n, (u, name, ago) in enumerate(rows, 1)
    ]
    supervisor = officer("zhouzhenhua", "周振华（副馆长）", 9, 1300, Role.SUPERVISOR)
    for username, name, role in OTHER_STAFF:
        create_user(session, username=username, display_name=name, role=role, authority=authority)
    return Staff(inspectors, supervisor, system_actor(session))


def _plan_inspections(rnd: random.Random, units: list[Unit], today: date) -> list[Planned]:
    """DESIGN §3's quotas over the 12 months up to ``today``, plus recent inspections whose failed
    items are fixed, so that every state of the machine gets a fresh enough case."""
    cal = default_calendar()
    months = [date(today.year - (k > today.month - 1), (today.month - 1 - k) % 12 + 1, 1) for k in range(11, -1, -1)]  # fmt: skip
    last = today - timedelta(days=1)

    def workday(lo: date, hi: date) -> date:
        days = [lo + timedelta(n) for n in range((hi - lo).days + 1)]
        return rnd.choice([d for d in days if cal.is_working_day(d)] or days)

    def back(n: int) -> date:  # the working day n days ago, or the one before
        d = today - timedelta(days=n)
        while not cal.is_working_day(d):
            d -= timedelta(days=1)
        return d

    secure = [u for u in units if u.under_security_regime]
    direct = [u for u in units if u.is_district_direct]
    others = [u for u in units if not u.is_district_direct and not u.is_key_unit]

    def during_year(units: list[Unit], kind: str) -> list[Planned]:
        return [Planned(workday(months[0], last), u, "electronic", kind) for u in units]

    plan = during_year(rnd.sample(direct, 12) + rnd.sample(others, 12), "random_sampling")
    plan += during_year([u for u in units if u.is_key_unit], "key_unit")
    plan += during_year(rnd.sample(others, 2), "daily")
    plan += during_year([rnd.choice(direct)], "special")
    for month in months:  # 日常检查: ≥1 a month, each covering ≥2 units (seed 安全 三(一))
        end = min(last, (month + timedelta(days=31)).replace(day=1) - timedelta(days=1))
        if end >= month:
            day, count = workday(month, end), rnd.choice((2, 2, 3))
            plan += [Planned(day, u, "security", "daily") for u in rnd.sample(secure, count)]
    # the year's 专项检查 of a high-concern area: databases touching citizens' major interests
    sensitive = rnd.sample([u for u in secure if u.runs_sensitive_database], 4)
    for n, (unit, forced) in enumerate(zip(sensitive, (("AS-4",), ("AS-3!",), ("AS-7*",), ()), strict=True)):  # fmt: skip
        plan.append(Planned(back(120 - n), unit, "security", "special", forced))
    plan += [
        Planned(last, rnd.choice(secure), "security", "complaint", ("AS-3!*", "AS-5"), hour=14),
        Planned(back(6), rnd.choice(others), "electronic", "special", ("EA-1", "EA-3")),
        Planned(back(16), rnd.choice(direct), "electronic", "special", ("EA-2", "EA-4")),
        Planned(back(26), rnd.choice(direct), "electronic", "random_sampling", ("EA-6", "EA-3")),
        Planned(back(45), rnd.choice(others), "electronic", "complaint", ("EA-5*", "EA-1")),
    ]
    return sorted(plan, key=lambda p: (p.day, p.hour, p.unit.id))


def _outcome(rnd: random.Random, code: str, p: Planned) -> ItemOutcome:
    forced = {f.rstrip("!*"): f for f in p.forced}
    if code in forced or (not p.forced and rnd.random() < 0.11):
        spec = forced.get(code, "*" if rnd.random() < 0.08 else "")
        note = EMERGENCY if "!" in spec else rnd.choice(PROBLEMS[code].split("|"))
        evidence = (f"现场照片{rnd.randint(2, 9)}张", "检查记录表")
        return ItemOutcome("nonconform", note, evidence, "!" in spec, "*" in spec)
    if code == "AS-7" and rnd.random() < 0.4:
        return ItemOutcome("not_applicable", "该单位无涉密信息系统")
    return ItemOutcome("conform")


#: The demo's special inspections: the security campaign looks for major hazards, the
#: electronic-archive ones check network security.
SPECIAL_TOPICS = {"security": "major_hazard", "electronic": "network_security"}


def _record_inspections(
    session: Session, rnd: random.Random, plan: list[Planned], staff: Staff
) -> list[Case]:
    cases: list[Case] = []
    daily_pairs: dict[date, list[User]] = {}  # one pair of officers makes the day's rounds
    for p in plan:
        officers = staff.pair(rnd, p.day)
        if p.kind == "daily":
            officers = daily_pairs.setdefault(p.day, officers)
        methods = ["hear_report", "review_records", "site_check"]
        if p.regime == "security" and p.kind != "daily":
            methods.append("security_assessment")
        items = current_checklist(session, p.regime, p.day).items
        outcomes = {i.code: _outcome(rnd, i.code, p) for i in items}
        failed = [o.note for o in outcomes.values() if o.result == "nonconform"]
        _, opened = record_inspection(
            session, unit=p.unit, regime=p.regime, kind=p.kind, inspection_date=p.day,
            officers=officers, outcomes=outcomes, actor=officers[0], methods=methods,
            record_problems="；".join(failed),
            record_handling="当场指出问题，下达执法通知书责令限期改正" if failed else "",
            now=shanghai_time(p.day, p.hour or rnd.randint(9, 11), rnd.randint(0, 50)),
            record_content=f"对{p.unit.name}开展{InspectionKind(p.kind).label_zh}：听取汇报、查阅资料、核查现场",
            special_topic=SPECIAL_TOPICS.get(p.regime) if p.kind == "special" else None,
        )  # fmt: skip
        cases += opened
    return cases


def _office(day: date, rnd: random.Random) -> datetime:
    while not default_calendar().is_working_day(day):
        day += timedelta(days=1)
    return shanghai_time(day, rnd.randint(9, 16), rnd.randint(0, 59))


def _state_after(steps: tuple[str, ...]) -> str:
    state = "detected"
    for step in steps:
        trigger, _, outcome = step.partition(":")
        state = {"rectify": "rectifying", "close": "closed"}.get(outcome) or DEST[trigger]
    return state


def _timeline(scenario: str, case: Case, cutoff: datetime, rnd: random.Random) -> list[Step] | None:
    """The scenario's steps with their instants and time limits, or None if it does not fit:
    every step before ``cutoff``; submissions before the deadline and no step after a deadline
    that would have lapsed; a running deadline still running; an open state recent enough;
    emergency measures and escalation only where the finding is an emergency / serious."""
    steps = SCENARIOS["closed" if scenario == "closed_infosec" else scenario]
    if scenario == "closed_infosec" and not (case.regime == "security" and case.information_security):  # fmt: skip
        return None
    first = steps[0] if steps else ""
    if (first == "order_emergency_measures" and not case.is_emergency) or (
        first == "escalate" and not case.is_serious
    ):
        return None
    limits = LIMITS[1::2] if _state_after(steps) in PENDING else LIMITS  # long ones still run
    t, due, state, out = case.opened_at, None, "detected", []
    for step in steps:
        trigger, _, outcome = step.partition(":")
        if trigger == "order_emergency_measures":
            t += timedelta(minutes=rnd.randint(20, 60))
        elif trigger == "backfill_notice":
            t += timedelta(hours=rnd.randint(2, 6))
        elif trigger == "deadline_lapsed":
            t = due + timedelta(minutes=5)  # the sweeper's next run
        elif trigger == "submit_rectification":
            left = (local_date(due) - local_date(t)).days
            t = _office(local_date(t) + timedelta(days=max(1, int(left * rnd.uniform(0.2, 0.7)))), rnd)  # fmt: skip
        else:
            t = _office(local_date(t) + timedelta(days=rnd.randint(*GAPS[trigger])), rnd)
        if state in ("notice_issued", "rectifying") and trigger != "deadline_lapsed" and t >= due:
            return None
        extra: dict[str, Any] = {"outcome": outcome} if outcome else {}
        if (
            trigger in ("issue_notice", "backfill_notice", "extend_deadline")
            or outcome == "rectify"
        ):
            length, unit = rnd.choice(limits)
            extra |= {"time_limit_length": length, "time_limit_unit": unit}
            due = compute_due(t, TimeLimit(length, unit)).due_at  # type: ignore[arg-type]
        state = _state_after((step,))
        out.append((trigger, t, extra))
    last = out[-1][1] if out else case.opened_at
    if last >= cutoff or (state in PENDING and due <= cutoff + timedelta(days=1)):
        return None
    if state in FRESH_DAYS and last < cutoff - timedelta(days=FRESH_DAYS[state]):
        return None
    return out


def _drive_cases(
    session: Session, rnd: random.Random, seed: int, cases: list[Case], staff: Staff,
    cutoff: datetime,
) -> None:  # fmt: skip
    """Give each case a scenario, then fire the steps of all cases in time order (so notice
    numbers follow their dates), each through the one door."""
    cache: dict[tuple[int, str], list[Step] | None] = {}

    def fits(ix: int, scenario: str) -> list[Step] | None:
        """A few tries at timing ``scenario`` for case ``ix``, each reproducible."""
        if (ix, scenario) not in cache:
            tries = (random.Random(f"{seed}/{ix}/{scenario}/{n}") for n in range(6))
            timelines = (_timeline(scenario, cases[ix], cutoff, r) for r in tries)
            cache[ix, scenario] = next((tl for tl in timelines if tl is not None), None)
        return cache[ix, scenario]

    plans: dict[int, list[Step]] = {}
    for scenario in REQUIRED:
        free = [i for i in range(len(cases)) if i not in plans and fits(i, scenario) is not None]
        if not free:
            raise RuntimeError(f"demo plan has no case that fits the scenario {scenario!r}")
        plain = [i for i in free if not (cases[i].is_serious or cases[i].is_emergency)]
        ix = rnd.choice(plain or free)  # serious/emergency findings kept for scenarios needing them
        plans[ix] = fits(ix, scenario) or []
    for ix in range(len(cases)):
        if ix not in plans:
            options = [s for s in WEIGHTS if fits(ix, s) is not None]
            choice = rnd.choices(options, [WEIGHTS[s] for s in options])[0] if options else ""
            plans[ix] = (fits(ix, choice) if choice else None) or []
    order = sorted((t, ix, k) for ix, plan in plans.items() for k, (_, t, _) in enumerate(plan))
    for t, ix, k in order:
        trigger, _, extra = plans[ix][k]
        actor, data = _actor_and_data(session, trigger, cases[ix], t, extra, rnd, staff)
        advance(session, cases[ix].id, trigger, actor, now=t, **data)


def _actor_and_data(
    session: Session, trigger: str, case: Case, t: datetime, extra: dict[str, Any],
    rnd: random.Random, staff: Staff,
) -> tuple[User, dict[str, Any]]:  # fmt: skip
    """Who fires ``trigger`` (the first role WHO_MAY names) and the data its guards need."""
    roles, pair = who_may(trigger), staff.pair(rnd, local_date(t))
    actor = (
        staff.system if Role.SYSTEM in roles
        else staff.liaisons[case.unit_id] if Role.UNIT_LIAISON in roles
        else pair[0] if Role.INSPECTOR in roles
        else staff.supervisor
    )  # fmt: skip
    data = {k: v for k, v in extra.items() if k.startswith("time_limit")}
    if trigger in REASONS:
        data["reason"] = REASONS[trigger]
    if trigger in ("issue_notice", "backfill_notice", "verify"):
        data["officer_ids"] = [o.id for o in pair]
    item, note = case.finding.item, case.finding.description
    if trigger in ("issue_notice", "backfill_notice"):
        data |= {
            "facts": f"经检查，你单位{note}。",
            "required_correction": f"针对“{item.title_zh}”存在的问题立即整改，并书面报告整改情况",
            "remedial_measures": "对受影响的档案进行清点登记，采取临时防护措施，防止损失扩大"
            if case.regime == "security" else "",
        }  # fmt: skip
    elif trigger == "acknowledge":
        data["served_at"] = t - timedelta(minutes=rnd.randint(5, 60))
        data["service_method"] = rnd.choice(("direct", "direct", "direct", "electronic", "mail"))
    elif trigger == "submit_rectification":
        data["report"] = f"针对“{note}”的问题，已完成整改并建立长效机制。"
        data["evidence"] = ["整改报告.pdf", "整改后现场照片.jpg"]
    elif trigger == "escalate":
        data["notify_departments"] = ["区应急管理局"] if item.code == "AS-3" else []
    elif trigger == "receive_instructions":
        rectify = extra["outcome"] == "rectify"
        said = "责令继续限期整改，由区档案馆跟踪复查" if rectify else "隐患已消除，同意结案"
        data |= {"instructions": f"市档案局复函：{said}", "outcome": extra["outcome"]}
    elif trigger in ("verify", "close"):
        data["note"] = {"verify": "现场复查，整改到位", "close": "整改到位，予以结案"}[trigger]
        if trigger == "close" and case.state == "escalated":
            data["note"] = "已按上级处理意见办结，予以结案"
    closing = trigger == "close" or (
        trigger == "receive_instructions" and extra.get("outcome") == "close"
    )
    if closing and case.regime == "security" and case.information_security:
        _publish_circular(session, case, t - timedelta(minutes=30), staff.supervisor)
    return actor, data


def _publish_circular(session: Session, case: Case, at: datetime, author: User) -> None:
    """Seed 安全 五(二): information-security problems are made public by a 情况通报 first."""
    session.add(Circular(
        authority_id=case.authority_id, case_id=case.id, kind=CircularKind.INFORMATIONAL,
        title=f"关于{case.unit.name}档案信息安全问题的情况通报", content=case.title,
        published_at=at, take_down_at=at + timedelta(days=365), created_at=at - timedelta(hours=2),
        created_by_id=author.id,
    ))  # fmt: skip
    session.flush()


def _summary(session: Session, units: list[Unit], inspections: int) -> str:
    authority_id = units[0].authority_id
    states = Counter(session.scalars(select(Case.state).where(Case.authority_id == authority_id)))
    users = session.scalar(select(func.count()).select_from(User)) or 0
    by_state = {s: states[s] for s in STATE_NAMES}
    return (
        f"luquan: {len(units)} units ({sum(u.is_district_direct for u in units)} direct, "
        f"{sum(u.is_key_unit for u in units)} key, {sum(u.under_security_regime for u in units)} "
        f"security), {users} users, {inspections} inspections, {sum(states.values())} cases "
        f"by state {by_state}"
    )
