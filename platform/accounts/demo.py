"""The demo organisation: 滨江市公安局 (fictional), two branches, four stations and the
people every later demo seeder relies on. Idempotent: units are looked up by code and
people by username; an existing person's password is left alone."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from .bootstrap import ADMIN_ACCESS_ROLES as ADMIN_ACCESS_ROLES
from .bootstrap import role_groups_setup
from .models import PoliceType, Post, Role, RoleAssignment, Unit, UnitKind, User
from .services import vocabulary_term_ensure

ORDER = 0
DEMO_PASSWORD = "Jingwu@2026"  # noqa: S105 - documented demo password (README)

# (code, name, kind, parent code)
UNITS: list[tuple[str, str, str, str | None]] = [
    ("370100", "滨江市公安局", UnitKind.CITY_BUREAU, None),
    ("370101", "东城分局", UnitKind.BRANCH, "370100"),
    ("370102", "西城分局", UnitKind.BRANCH, "370100"),
    ("37010101", "东城分局解放路派出所", UnitKind.STATION, "370101"),
    ("37010102", "东城分局文化路派出所", UnitKind.STATION, "370101"),
    ("37010201", "西城分局望江路派出所", UnitKind.STATION, "370102"),
    ("37010202", "西城分局青年路派出所", UnitKind.STATION, "370102"),
]

# (username, full name, police number, unit code, position, police type, roles)
STAFF: list[tuple[str, str, str, str, str, str, list[str]]] = [
    (
        "sysadmin",
        "周建国",
        "100001",
        "370100",
        "科技信息化支队系统管理员",
        "科技信息化",
        [Role.SYSTEM_ADMIN],
    ),
    (
        "secadmin",
        "吴海燕",
        "100002",
        "370100",
        "网络安全保卫支队安全管理员",
        "网络安全保卫",
        [Role.SECURITY_ADMIN],
    ),
    (
        "auditadmin",
        "郑立群",
        "100003",
        "370100",
        "督察支队安全审计员",
        "督察",
        [Role.AUDIT_ADMIN],
    ),
    (
        "trainer1",
        "王志强",
        "100011",
        "370100",
        "政治部教育训练处教官",
        "教育训练",
        [Role.TRAINER],
    ),
    ("trainer2", "李秀梅", "100012", "370100", "法制支队教官", "法制", [Role.TRAINER]),
    (
        "legal1",
        "陈晓东",
        "110021",
        "370101",
        "东城分局法制大队法制员",
        "法制",
        [Role.LEGAL_OFFICER, Role.OFFICER],
    ),
    (
        "legal2",
        "刘静",
        "120021",
        "370102",
        "西城分局法制大队法制员",
        "法制",
        [Role.LEGAL_OFFICER, Role.OFFICER],
    ),
    ("leader1", "赵国栋", "110001", "370101", "东城分局副局长", "治安", [Role.LEADER]),
    (
        "admin_east",
        "孙丽华",
        "110031",
        "370101",
        "东城分局政工室干部",
        "政工",
        [Role.UNIT_ADMIN],
    ),
    (
        "admin_west",
        "马俊峰",
        "120031",
        "370102",
        "西城分局政工室干部",
        "政工",
        [Role.UNIT_ADMIN],
    ),
]

STATION_CODES = ["37010101", "37010102", "37010201", "37010202"]
SURNAMES = "张王李赵刘陈杨黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧"
GIVEN_NAMES = [
    "伟",
    "建华",
    "志刚",
    "海涛",
    "丽娟",
    "晓明",
    "国庆",
    "春燕",
    "卫东",
    "红梅",
    "振宇",
    "文博",
    "雪莲",
    "子豪",
    "静怡",
    "立新",
    "永强",
    "慧敏",
    "天佑",
    "宏伟",
    "佳琪",
    "浩然",
    "秀英",
    "明辉",
    "晨阳",
    "玉兰",
    "鹏飞",
    "新民",
    "思远",
    "桂芳",
]
POSITIONS = [
    "社区民警",
    "社区民警",
    "案件办理民警",
    "巡逻民警",
    "户籍民警",
    "副所长",
    "所长",
    "辅导民警",
]
# The demo positions that are posts (岗位); 所长 and 副所长 are ranks, not posts.
POSTS = {"社区民警", "案件办理民警", "巡逻民警", "户籍民警", "辅导民警"}
POLICE_TYPES = ["治安", "刑侦", "社区警务", "巡特警", "户政", "交管"]


def _officers() -> list[tuple[str, str, str, str, str, str, list[str]]]:
    """Return officer1 … officer30, spread round-robin over the four stations."""
    people: list[tuple[str, str, str, str, str, str, list[str]]] = []
    for n in range(1, 31):
        station = STATION_CODES[(n - 1) % len(STATION_CODES)]
        branch = "1" if station.startswith("370101") else "2"
        number = f"2{branch}{station[-1]}{n:03d}"  # six digits, e.g. 211001
        name = SURNAMES[(n * 7) % len(SURNAMES)] + GIVEN_NAMES[n - 1]
        position = POSITIONS[n % len(POSITIONS)]
        police_type = POLICE_TYPES[n % len(POLICE_TYPES)]
        people.append(
            (
                f"officer{n}",
                name,
                number,
                station,
                position,
                police_type,
                [Role.OFFICER],
            )
        )
    return people


PEOPLE = STAFF + _officers()


def _unit(code: str, name: str, kind: str, parent_code: str | None) -> Unit:
    existing = Unit.objects.filter(code=code).first()
    if existing is not None:
        return existing
    if parent_code is None:
        return Unit.add_root(code=code, name=name, kind=kind)
    parent = Unit.objects.get(code=parent_code)
    return parent.add_child(code=code, name=name, kind=kind)


@transaction.atomic
def seed(command: Any = None) -> None:
    """Create the demo units and people (idempotent)."""
    for code, name, kind, parent in UNITS:
        _unit(code, name, kind, parent)
    created = 0
    for username, full_name, number, unit_code, position, police_type, roles in PEOPLE:
        unit = Unit.objects.get(code=unit_code)
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, police_number=number)
            user.set_password(DEMO_PASSWORD)
            created += 1
        user.full_name = full_name
        user.unit = unit
        user.position = position
        user.post = (
            vocabulary_term_ensure(Post, position) if position in POSTS else None
        )
        user.police_type = vocabulary_term_ensure(PoliceType, police_type)
        user.save()
        for role in roles:
            scope = unit if role in (Role.UNIT_ADMIN, Role.LEADER) else None
            RoleAssignment.objects.get_or_create(
                user=user, role=role, defaults={"scope_unit": scope}
            )
    role_groups_setup()
    if command is not None:
        command.stdout.write(
            f"  units: {len(UNITS)}, people: {len(PEOPLE)} ({created} new)"
        )
