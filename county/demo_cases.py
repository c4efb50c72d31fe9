"""Realistic demo cases (办件) as a business system would export them, relative to "now".

The applicants are invented people with valid-looking ID numbers (correct GB 11643 check digit,
plausible regions and birth dates); the first two are the ID card simulator's fixture cards.
`hall-county demo-cases FILE` writes them as JSON, which `import-cases` then reads like a real
export.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.catalogue import Catalogue, Item
from core.gb11643 import with_check_digit
from county.cases import CaseRecord, StaffRecord, StepRecord
from county.demo_catalogue import REGION, demo_catalogue


@dataclass(frozen=True)
class Applicant:
    name: str
    id_number: str
    sex: str  # 男 / 女


def make_id_number(region: str, birth: str, seq: int) -> str:
    """An 18-character ID number with a valid check digit; `seq` odd for men, even for women."""
    first17 = f"{region}{birth}{seq:03d}"
    return with_check_digit(first17)


# The first two are the `zhang` and `li` cards of the ID card simulator (drivers/sim/idcard.py), so the
# demo's card tap finds their cases; the others are local people.
DEMO_APPLICANTS: tuple[Applicant, ...] = (
    Applicant("张伟", make_id_number("110101", "19850312", 123), "男"),
    Applicant("李秀英", make_id_number("310104", "19500808", 2), "女"),
    Applicant("王建国", make_id_number(REGION, "19790125", 135), "男"),
    Applicant("巴特尔", make_id_number(REGION, "19900916", 411), "男"),
    Applicant("刘芳", make_id_number(REGION, "19951203", 528), "女"),
    Applicant("其其格", make_id_number(REGION, "19880420", 46), "女"),
)

CLERKS: dict[str, list[tuple[str, str]]] = {
    "GA": [("S1021", "赵丽"), ("S1022", "孙浩")],
    "RS": [("S2031", "周敏"), ("S2032", "吴刚")],
    "SC": [("S3011", "郑雪"), ("S3012", "冯涛")],
    "MZ": [("S4001", "陈静"), ("S4002", "乌云")],
    "BDC": [("S5011", "杨帆"), ("S5012", "胡军")],
    "YB": [("S6001", "朱婷")],
    "SW": [("S7001", "马超"), ("S7002", "高原")],
    "CL": [("S8001", "林娜")],
}
REVIEWERS = ["何科长", "罗主任", "苏其勒图", "韩股长"]
WINDOW = {
    "GA": "w-a01",
    "RS": "w-b05",
    "SC": "w-c10",
    "MZ": "w-e19",
    "BDC": "w-d13",
    "YB": "w-b01",
    "SW": "w-f20",
    "CL": "w-e20",
}

STEPS_BY_DEPARTMENT = {
    "GA": ("受理", "审核", "制证", "办结"),
    "BDC": ("受理", "审核", "登簿", "缮证", "办结"),
}
STEPS_DEFAULT = ("受理", "审核", "审批", "办结")


def _office(t: datetime) -> datetime:
    """Move a time into office hours (9:00-17:30, Monday-Friday), as a real counter works."""
    if t.hour < 9:
        t = t.replace(hour=9)
    elif t.hour >= 17:
        t = (t + timedelta(days=1)).replace(hour=9)
    while t.weekday() >= 5:  # a weekend moves back to Friday
        t -= timedelta(days=1)
    return t


def _steps(
    item: Item, accepted: datetime, state: int, clerk: str, rng: random.Random, now: datetime
) -> tuple[list[StepRecord], datetime | None]:
    """Steps (环节) for a case in `state`; returns them and the finish time."""
    if item.case_type == 1:  # 即办件: accepted and finished at the counter
        end = accepted + timedelta(minutes=rng.randint(8, 35))
        return [
            StepRecord(
                name="受理",
                handler=clerk,
                started_at=accepted,
                ended_at=accepted + timedelta(minutes=3),
                status=2,
            ),
            StepRecord(
                name="办结", handler=clerk, started_at=accepted + timedelta(minutes=3), ended_at=end, status=2
            ),
        ], end
    names = STEPS_BY_DEPARTMENT.get(item.department, STEPS_DEFAULT)
    done_upto = {1: 0, 2: rng.randint(1, len(names) - 2), 3: len(names)}[state]
    steps: list[StepRecord] = []
    t = accepted
    for i, name in enumerate(names):
        who = clerk if name in ("受理", "办结") else rng.choice(REVIEWERS)
        if i < done_upto:
            end = _office(t + timedelta(hours=rng.randint(2, 30)))
            end = min(max(end, t + timedelta(minutes=10)), now - timedelta(minutes=5 * (len(names) - i)))
            end = max(end, t)
            steps.append(StepRecord(name=name, handler=who, started_at=t, ended_at=end, status=2))
            t = end
        elif i == done_upto and state != 1:
            steps.append(StepRecord(name=name, handler=who, started_at=t, status=1))
        else:
            steps.append(StepRecord(name=name, handler="", status=1))
    if state == 1:  # 待办: received, nobody has started; the first step waits
        steps[0] = StepRecord(name="受理", handler=clerk, started_at=accepted, status=1)
    finished = steps[-1].ended_at if state == 3 else None
    return steps, finished


def _case_id(day: datetime, seq: int) -> str:
    return f"{REGION}{day:%Y%m%d}{seq:05d}"


def demo_cases(now: datetime, catalogue: Catalogue | None = None, seed: int = 2026) -> list[CaseRecord]:
    """About 20 cases for the demo applicants, in every state, some rateable (finished today)."""
    cat = catalogue or demo_catalogue()
    rng = random.Random(seed)
    items = {i.code: i for i in cat.items}
    soon = [i for i in cat.items if i.case_type == 1]
    promised = [i for i in cat.items if i.case_type == 2]
    # (applicant index, item, state, days ago accepted)
    plan: list[tuple[int, Item, int, float]] = [
        (0, items["000110020000-150102"], 3, 0.05),  # 社保卡补换, finished an hour ago: rateable
        (0, items["000108001000-150102"], 2, 6),  # 身份证首次申领 in progress
        (0, items["000116001000-150102"], 1, 0.5),  # 不动产 just received
        (0, items["000112001000-150102"], 3, 40),  # 个体户 long finished: past the rating window
        (1, items["000113020000-150102"], 2, 9),
        (1, items["000117001000-150102"], 3, 0.1),
        (2, items["000112015000-150102"], 3, 2),
        (2, items["000118001000-150102"], 3, 0.2),
        (3, items["000108010000-150102"], 2, 3),
        (3, items["000108030000-150102"], 3, 0.02),
        (4, items["000119001000-150102"], 1, 1),
        (5, items["000113001000-150102"], 3, 0.03),
    ]
    for k in range(8):  # more cases of the other applicants, for a realistic store
        item = rng.choice(soon + promised)
        plan.append((1 + k % 5, item, rng.choice([2, 3]) if item.case_type == 2 else 3, rng.uniform(1, 30)))
    out: list[CaseRecord] = []
    for seq, (who, item, state, days_ago) in enumerate(plan, start=1):
        a = DEMO_APPLICANTS[who]
        accepted = (now - timedelta(days=days_ago)).replace(microsecond=0)
        if days_ago >= 0.3:  # counters work office hours
            accepted = _office(accepted.replace(hour=rng.randint(9, 16), minute=rng.randint(0, 59), second=0))
            accepted = min(accepted, now - timedelta(hours=3))
        sid, clerk = rng.choice(CLERKS[item.department])
        steps, finished = _steps(item, accepted, state, clerk, rng, now)
        if state == 3 and finished is not None and finished > now:
            finished = now - timedelta(minutes=1)
        promised_at = (
            accepted + timedelta(days=round((item.promised_days or 0) * 7 / 5))
            if item.case_type == 2
            else None
        )
        out.append(
            CaseRecord(
                case_id=_case_id(accepted, seq),
                item_code=item.code,
                item_name=item.text("zh_CN").name,
                case_type=item.case_type,
                applicant_name=a.name,
                applicant_id_number=a.id_number,
                accepted_at=accepted,
                promised_at=promised_at,
                finished_at=finished,
                state=state,
                window_id=WINDOW[item.department],
                staff=[StaffRecord(id=sid, name=clerk)],
                steps=steps,
            )
        )
    return out


def demo_export(now: datetime) -> list[dict[str, object]]:
    """The demo cases as the JSON a business system exports (ID numbers in clear, as exported)."""
    return [c.model_dump(mode="json") for c in demo_cases(now)]
