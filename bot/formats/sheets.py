"""The spreadsheet templates of 一单两库 and the annual plan, and parsing one row.

Column headers follow the annex tables of ../shared/seeds/003 (Chinese), with
English aliases. Pure: no database; references to other records (departments,
items, targets) are checked by the import service.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from bot.i18n import N_
from bot.rules.cells import starts_formula
from bot.rules.codes import is_regno, normalize_code, valid_id_number, valid_mobile, valid_uscc
from bot.rules.methods import plan_methods

INACTIVE_STATUSES = frozenset({"注销", "吊销", "吊销未注销", "迁出", "撤销"})
STATUSES = {
    **{s: s for s in ("存续", "在业", "在营", "开业", "在册", "停业")},
    **{s: s for s in INACTIVE_STATUSES},
    "active": "存续", "cancelled": "注销", "revoked": "吊销", "moved out": "迁出",
}
TARGET_KINDS = {
    "市场主体": "entity", "机关事业单位": "institution", "机关（事业单位）": "institution",
    "事业单位": "institution", "社会团体": "social_org", "社会组织": "social_org",
    "产品": "product", "项目": "project",
    "entity": "entity", "institution": "institution", "social_org": "social_org",
    "product": "product", "project": "project",
}
TARGET_KIND_LABELS = {"entity": "市场主体", "institution": "机关事业单位",
                      "social_org": "社会团体", "product": "产品", "project": "项目"}
ITEM_KINDS = {"重点": "key", "重点检查事项": "key", "key": "key",
              "一般": "general", "一般检查事项": "general", "general": "general"}
ITEM_KIND_LABELS = {"key": "重点", "general": "一般"}
PLAN_TYPES = {"部门": "department", "部门内部": "department", "department": "department",
              "联合": "joint", "部门联合": "joint", "跨部门联合": "joint", "joint": "joint"}
PLAN_TYPE_LABELS = {"department": "部门", "joint": "联合"}
GENDERS = {"男": "男", "女": "女", "male": "男", "female": "女", "m": "男", "f": "女"}
CREDIT_CLASSES = ("A", "B", "C", "D")
ROLE_NAMES = {"执法检查人员": "inspector", "检查人员": "inspector", "inspector": "inspector",
              "分管负责人": "supervisor", "supervisor": "supervisor",
              "办公室": "office", "office": "office"}
ROLE_LABELS = {"inspector": "执法检查人员", "supervisor": "分管负责人", "office": "办公室"}
YES = {"是", "y", "yes", "true", "1", "有"}
NO = {"否", "n", "no", "false", "0", "无"}
SCOPE_KEYS = {"区域": "region", "region": "region", "行业": "industry", "industry": "industry",
              "对象类型": "kind", "kind": "kind", "主体类型": "entity_type",
              "市场主体类型": "entity_type", "entity_type": "entity_type"}
SCOPE_LABELS = {"region": "区域", "industry": "行业", "kind": "对象类型", "entity_type": "主体类型"}
T = TypeVar("T")
_SPLIT_RE = re.compile(r"[、,，;；\s]+")


class CellError(Exception):
    """A bad cell; `message` is an N_ message id with {placeholders} filled from `params`."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


Parser = Callable[[Any], Any]


def text(max_len: int = 500) -> Parser:
    def parse(value: Any) -> str:
        result = value if isinstance(value, str) else _as_text(value)
        if "  " in result or not result.isprintable():  # tabs, newlines, wide spaces
            result = " ".join(result.split())
        if len(result) > max_len:
            raise CellError(N_("longer than {limit} characters"), limit=max_len)
        return result
    return parse


def identifier(max_len: int) -> Parser:
    """A code that takes part in a draw (部门代码, 执法证号): text, never beginning like a
    formula, since the draw's published .tsv files hold it as it is (bot/rules/cells.py)."""
    as_text = text(max_len)

    def parse(value: Any) -> str:
        result = as_text(value)
        if starts_formula(result):
            raise CellError(N_("must not begin with = + - or @ (a spreadsheet would run it"
                               " as a formula); leave the cell empty if there is none"))
        return result
    return parse


def _as_text(value: Any) -> str:
    """A cell as stripped text (cells read from files arrive stripped already)."""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value)


def target_code(value: Any) -> tuple[str, str]:
    """(code, 'uscc' or 'regno')."""
    code = normalize_code(value if isinstance(value, str) else _as_text(value))
    if len(code) == 18:
        if not valid_uscc(code):
            raise CellError(N_("the 统一社会信用代码 check digit is wrong"))
        return code, "uscc"
    if is_regno(code):
        return code, "regno"
    raise CellError(N_("not a 18-character 统一社会信用代码 or a 15-digit 注册号"))


def a_date(value: Any) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raw = _as_text(value)
    if len(raw) == 10 and raw[4] == "-":
        try:
            return date.fromisoformat(raw).isoformat()
        except ValueError:
            pass
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", raw)
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3])).isoformat()
        except ValueError:
            pass
    raise CellError(N_("not a date (write it as 2026-03-31)"))


def enum(mapping: dict[str, str]) -> Parser:
    allowed = "、".join(dict.fromkeys(k for k in mapping if not k.isascii()))

    def parse(value: Any) -> str:
        key = _as_text(value)
        found = mapping.get(key) or mapping.get(key.lower())
        if found is None:
            raise CellError(N_("not one of: {allowed}"), allowed=allowed)
        return found
    return parse


def yes_no(value: Any) -> bool:
    raw = _as_text(value).lower()
    if raw in YES:
        return True
    if raw in NO:
        return False
    raise CellError(N_("write 是 or 否"))


def count(value: Any) -> int:
    if isinstance(value, str) and value.isdigit():
        return int(value)
    try:
        number = Decimal(_as_text(value).strip())
    except InvalidOperation:
        raise CellError(N_("not a whole number")) from None
    if number != number.to_integral_value() or number < 0:
        raise CellError(N_("not a whole number of 0 or more"))
    return int(number)


def ratio(value: Any) -> str:
    """'5%', '0.05' or 0.05 → '0.05' (exact decimal text, between 0 and 1)."""
    raw = _as_text(value).strip()
    try:
        number = Decimal(raw[:-1]) / 100 if raw.endswith(("%", "％")) else Decimal(raw)
    except InvalidOperation:
        raise CellError(N_("not a ratio (write 0.05 or 5%)")) from None
    if not 0 < number <= 1:
        raise CellError(N_("a ratio must be above 0 and at most 100%"))
    return format(number.normalize(), "f")


def _by_class(value: Any, parse: Callable[[Any], T], allowed: tuple[str, ...],
              message: str) -> dict[str, T]:
    """'X' for every class (as '*'), or 'A:X;B:Y;…' with each class among `allowed`."""
    raw = _as_text(value).strip()
    if ":" not in raw and "：" not in raw:
        return {"*": parse(raw)}
    result: dict[str, T] = {}
    for part in re.split(r"[;；,，、]+", raw):
        if not part.strip():
            continue
        key, _, amount = re.split(r"([:：])", part.strip(), maxsplit=1)
        key = key.strip().upper()
        if key not in allowed:
            raise CellError(message, value=key)
        result[key] = parse(amount.strip())
    return result


def ratios(value: Any) -> dict[str, str]:
    """'5%' for every credit class, or 'A:3%;B:5%;C:10%;D:20%' ('*' for the rest)."""
    return _by_class(value, ratio, (*CREDIT_CLASSES, "*"),
                     N_("credit class {value} is not A, B, C, D or *"))


def year_caps(value: Any) -> dict[str, int]:
    """'2' for every stratum, or 'A:1;B:2;C:3;D:0' (a target's checks a year at most, by
    its stratum; '*' for the strata not named, '-' for targets without a credit class;
    0 = no cap)."""
    return _by_class(value, count, (*CREDIT_CLASSES, "-", "*"),
                     N_("credit class {value} is not A, B, C, D, - or *"))


RISK_SIGNALS = {"经营异常": "abnormal", "经营异常名录": "abnormal", "异常名录": "abnormal",
                "abnormal": "abnormal", "严重失信": "dishonest", "严重违法失信": "dishonest",
                "失信": "dishonest", "dishonest": "dishonest"}
_COMPLAINTS_RE = re.compile(r"(?:投诉举报|投诉|complaints)\s*(?:(?:≥|>=|＞=|>＝)\s*(\d+))?$",
                            re.IGNORECASE)


def risk_rule(value: Any) -> dict[str, Any]:
    """Which signals put a target in stratum D whatever its credit class: '经营异常、严重失信、
    投诉≥1' (the default when the cell is empty), any of them, or '无' for none."""
    rule: dict[str, Any] = {"abnormal": False, "dishonest": False, "complaints": None}
    raw = _as_text(value).strip()
    if raw.lower() in NO | {"none", "无"}:
        return rule
    for token in _SPLIT_RE.split(raw):
        if not token:
            continue
        signal = RISK_SIGNALS.get(token) or RISK_SIGNALS.get(token.lower())
        complaints = _COMPLAINTS_RE.match(token)
        if signal is not None:
            rule[signal] = True
        elif complaints is not None:
            threshold = int(complaints.group(1) or 1)
            if threshold < 1:
                raise CellError(N_("the number of complaints must be at least 1"))
            rule["complaints"] = threshold
        else:
            raise CellError(N_("write the risk rule as 经营异常、严重失信、投诉≥1 (any of them),"
                               " or 无"))
    return rule


DEFAULT_RISK_RULE: dict[str, Any] = {"abnormal": True, "dishonest": True, "complaints": 1}


def caps_text(caps: dict[str, int]) -> str:
    """The 年度抽查上限 cell for stored caps (as `year_caps` reads it back)."""
    if not caps:
        return ""
    if set(caps) == {"*"}:
        return str(caps["*"])
    return ";".join(f"{k}:{v}" for k, v in sorted(caps.items()))


def risk_rule_text(rule: dict[str, Any]) -> str:
    """The 风险提级 cell for a stored rule (as `risk_rule` reads it back)."""
    parts = [label for key, label in (("abnormal", "经营异常"), ("dishonest", "严重失信"))
             if rule.get(key)]
    if rule.get("complaints") is not None:
        parts.append(f"投诉≥{rule['complaints']}")
    return "、".join(parts) or "无"


def tags(value: Any) -> list[str]:
    return sorted({t for t in _SPLIT_RE.split(_as_text(value)) if t})


def id_number(value: Any) -> str:
    number = normalize_code(_as_text(value))
    if re.fullmatch(r"\*{14}[\dX]{4}", number):
        return number  # masked, as exported: keeps what is stored (checked by the service)
    if not valid_id_number(number):
        raise CellError(N_("the 身份证号 check digit or birth date is wrong"))
    return number


def phone(value: Any) -> str:
    number = re.sub(r"[\s-]", "", _as_text(value))
    if not valid_mobile(number):
        raise CellError(N_("not an 11-digit mobile number"))
    return number


def credit_class(value: Any) -> str:
    raw = _as_text(value).upper()
    if raw not in CREDIT_CLASSES:
        raise CellError(N_("not one of: {allowed}"), allowed="A、B、C、D")
    return raw


def roles(value: Any) -> list[str]:
    found = []
    for name in tags(value):
        role = ROLE_NAMES.get(name) or ROLE_NAMES.get(name.lower())
        if role is None:
            raise CellError(N_("not one of: {allowed}"), allowed="执法检查人员、分管负责人、办公室")
        found.append(role)
    return sorted(set(found))


def scope(value: Any) -> dict[str, list[str]]:
    """'区域:芒市、遮放;行业:餐饮' → {'region': ['芒市', '遮放'], 'industry': ['餐饮']}."""
    result: dict[str, list[str]] = {}
    for part in re.split(r"[;；]+", _as_text(value)):
        if not part.strip():
            continue
        pieces = re.split(r"[:：=]", part, maxsplit=1)
        if len(pieces) != 2:
            raise CellError(N_("write the scope as 区域:芒市、遮放;行业:餐饮"))
        key = SCOPE_KEYS.get(pieces[0].strip()) or SCOPE_KEYS.get(pieces[0].strip().lower())
        if key is None:
            raise CellError(N_("not one of: {allowed}"), allowed="区域、行业、对象类型、主体类型")
        values = tags(pieces[1])
        if key == "kind":
            values = [enum(TARGET_KINDS)(v) for v in values]
        result[key] = values
    return result


def fallbacks(value: Any) -> dict[str, list[str]]:
    """'WSJKJ>WSJKJ-ZF、SCJGJ;…': a department's fallbacks when nobody there is drawable."""
    result: dict[str, list[str]] = {}
    for part in re.split(r"[;；]+", _as_text(value)):
        if not part.strip():
            continue
        pieces = re.split(r"[>＞]", part, maxsplit=1)
        if len(pieces) != 2 or not pieces[0].strip():
            raise CellError(N_("write fallbacks as DEPT>OTHER1、OTHER2;…"))
        result[pieces[0].strip()] = tags(pieces[1])
    return result


def plan_methods_cell(value: Any) -> dict[str, str]:
    """'书面检查' for every item of the plan, or 'SC-001:书面检查；WS-001:实地核查' per item
    (the import checks the words and the codes)."""
    return plan_methods(_as_text(value))


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    parse: Parser = field(default=text())

    def names(self) -> set[str]:
        return {_norm(n) for n in (self.header, self.key, *self.aliases)}


@dataclass(frozen=True)
class Sheet:
    kind: str
    title: str  # the sheet title on export
    columns: tuple[Column, ...]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


def _norm(header: str) -> str:
    return re.sub(r"[\s_（）()*]+", "", header).lower()


CODE_HEADER = "统一社会信用代码/注册号"

SHEETS: dict[str, Sheet] = {
    "departments": Sheet("departments", "部门", (
        Column("code", "部门代码", ("department code",), True, identifier(32)),
        Column("name", "部门名称", ("department name", "name"), True, text(100)),
        Column("region", "区域", ("region",), False, text(100)),
        Column("active", "是否有效", ("active",), False, yes_no),
    )),
    "items": Sheet("items", "抽查事项清单", (
        Column("code", "事项编码", ("item code", "code"), True, text(40)),
        Column("category", "抽查类别", ("category",), True, text(100)),
        Column("name", "检查事项", ("item", "name"), True, text(200)),
        Column("target_kind", "检查对象", ("targets", "target kind"), True, text(200)),
        Column("kind", "事项类别", ("item kind", "kind"), True, enum(ITEM_KINDS)),
        Column("method", "检查方式", ("method",), True, text(200)),
        Column("department", "检查主体", ("department",), True, text(100)),
        Column("frequency", "检查频次", ("frequency",), True, text(100)),
        Column("content", "检查内容", ("content",), True, text(2000)),
        Column("basis", "检查依据", ("legal basis", "basis"), True, text(2000)),
        Column("max_ratio", "抽查比例上限", ("maximum ratio", "max ratio"), False, ratio),
        Column("expertise", "业务专长要求", ("required expertise", "expertise"), False, text(50)),
        Column("active", "是否有效", ("active",), False, yes_no),
    )),
    "targets": Sheet("targets", "检查对象名录库", (
        Column("code", CODE_HEADER, ("统一社会信用代码", "注册号", "uscc", "code"), True,
               target_code),
        Column("name", "名称", ("市场主体名称", "name"), True, text(200)),
        Column("entity_type", "市场主体类型", ("entity type",), False, text(100)),
        Column("authority", "登记机关", ("registration authority", "authority"), False, text(100)),
        Column("legal_rep", "法定代表人", ("legal representative",), False, text(100)),
        Column("address", "住所", ("address",), False, text(300)),
        Column("status", "登记状态", ("registration status", "status"), True, enum(STATUSES)),
        Column("established", "成立日期", ("established", "date of establishment"), False,
               a_date),
        Column("scope", "经营范围", ("business scope", "scope"), False, text(4000)),
        Column("industry", "行业", ("industry",), False, text(100)),
        Column("region", "区域", ("region",), False, text(100)),
        Column("credit_class", "信用分类", ("credit class",), False, credit_class),
        Column("abnormal", "经营异常名录", ("abnormal list", "abnormal"), False, yes_no),
        Column("dishonest", "严重违法失信", ("serious dishonesty", "dishonest"), False, yes_no),
        Column("complaints", "投诉举报次数", ("complaints",), False, count),
        Column("kind", "对象类型", ("kind",), False, enum(TARGET_KINDS)),
    )),
    "inspectors": Sheet("inspectors", "执法人员名录库", (
        Column("id_number", "身份证号", ("id number",), True, id_number),
        Column("name", "姓名", ("name",), True, text(64)),
        Column("gender", "性别", ("gender",), False, enum(GENDERS)),
        Column("phone", "手机号码", ("mobile", "phone"), False, phone),
        Column("unit", "所在单位", ("unit",), False, text(100)),
        Column("department", "所在部门", ("department",), True, text(100)),
        Column("level", "用户级别", ("user level", "level"), False, text(50)),
        Column("cert_no", "执法证号", ("certificate no", "certificate number", "cert no"), False,
               identifier(40)),
        Column("cert_authority", "发证机关", ("issued by", "certificate authority"), False,
               text(100)),
        Column("cert_valid_until", "执法证有效期至", ("certificate valid until", "valid until"),
               False, a_date),
        Column("expertise", "业务专长", ("expertise",), False, tags),
        Column("roles", "角色", ("roles",), False, roles),
        Column("active", "是否在职", ("active",), False, yes_no),
    )),
    "recusals": Sheet("recusals", "执法回避", (
        Column("cert_no", "执法证号", ("certificate no", "cert no"), True, identifier(40)),
        Column("target", CODE_HEADER, ("统一社会信用代码", "注册号", "target", "code"), True,
               target_code),
        Column("reason", "回避原因", ("reason",), False, text(200)),
    )),
    "plans": Sheet("plans", "年度抽查工作计划", (
        Column("name", "抽查计划名称", ("plan name", "plan"), True, text(100)),
        Column("task_name", "抽查任务名称", ("task name", "task"), True, text(200)),
        Column("type", "抽查类型", ("plan type", "type"), True, enum(PLAN_TYPES)),
        Column("target_total", "抽查对象总数", ("number of targets",), False, count),
        Column("ratios", "抽查比例", ("ratio", "ratios"), True, ratios),
        Column("items", "抽查事项", ("items",), True, tags),
        Column("scope", "抽查对象范围", ("scope",), False, scope),
        Column("initiator", "检查发起机关", ("initiating department", "initiator"), True,
               text(100)),
        Column("joining", "联合机关", ("joining departments", "joining"), False, tags),
        Column("draw_date", "抽取日期", ("draw date",), True, a_date),
        Column("window_start", "检查开始日期", ("inspection start", "start"), True, a_date),
        Column("window_due", "检查截止日期", ("inspection due", "due"), True, a_date),
        Column("year_caps", "年度抽查上限", ("year cap", "year caps"), False, year_caps),
        Column("fallbacks", "备用部门", ("fallback departments", "fallbacks"), False, fallbacks),
        Column("leader_may_approve", "组长可审批更换",
               ("leader may approve replacements",), False, yes_no),
        Column("risk_rule", "风险提级", ("risk rule", "raised to d"), False, risk_rule),
        Column("methods", "检查方式", ("check method", "check methods", "method"), False,
               plan_methods_cell),
    )),
}


KINDS = (*SHEETS, "checklist")  # what an upload can be
# Files sent to the bot that may be kept after loading: they hold no personal data. The
# target directory (法定代表人), the inspector directory (身份证号, phones) and recusals
# (who is related to whom) are never kept; their SHA-256 is in the import log.
KEEPS_UPLOAD = frozenset({"departments", "items", "plans", "checklist"})


@dataclass
class HeaderMap:
    """Which column of the file holds which field; what is missing or unknown."""

    positions: dict[str, int]
    missing: list[Column]
    unknown: list[str]
    duplicated: list[str]


def map_headers(sheet: Sheet, headers: list[str]) -> HeaderMap:
    positions: dict[str, int] = {}
    unknown, duplicated = [], []
    for index, header in enumerate(headers):
        if not header:
            continue
        normalized = _norm(header)
        column = next((c for c in sheet.columns if normalized in c.names()), None)
        if column is None:
            if normalized not in ("序号", "no", "#", "备注", "remarks"):
                unknown.append(header)
        elif column.key in positions:
            duplicated.append(header)
        else:
            positions[column.key] = index
    missing = [c for c in sheet.columns if c.required and c.key not in positions]
    return HeaderMap(positions, missing, unknown, duplicated)


def detect_kind(headers: list[str]) -> str | None:
    """The one kind whose required columns are all present (the most matched wins)."""
    scored = []
    for kind, sheet in SHEETS.items():
        mapped = map_headers(sheet, headers)
        if not mapped.missing:
            scored.append((len(mapped.positions), kind))
    scored.sort(reverse=True)
    if not scored or (len(scored) > 1 and scored[0][0] == scored[1][0]):
        return None
    return scored[0][1]


@dataclass
class RowProblem:
    row: int
    column: str  # the header as the office wrote it (or the template's)
    value: str
    message: str  # N_ message id
    params: dict[str, Any] = field(default_factory=dict)


class RowParser:
    """Parses the rows of one file: the column plan is worked out once, not per row."""

    def __init__(self, sheet: Sheet, headers: list[str], mapping: HeaderMap) -> None:
        self.plan = [
            (column.key, index, column.required, column.parse,
             headers[index] if index is not None and index < len(headers) else column.header)
            for column in sheet.columns
            for index in (mapping.positions.get(column.key),)
        ]

    def __call__(self, number: int,
                 cells: list[Any]) -> tuple[dict[str, Any], list[RowProblem]]:
        """Typed values of one row, or the problems of its cells."""
        values: dict[str, Any] = {}
        problems: list[RowProblem] = []
        width = len(cells)
        for key, index, required, parse, header in self.plan:
            raw = cells[index] if index is not None and index < width else None
            if raw is None:
                if required:
                    problems.append(RowProblem(number, header, "", N_("a value is required")))
                values[key] = None
                continue
            try:
                values[key] = parse(raw)
            except CellError as exc:
                problems.append(RowProblem(number, header, _as_text(raw), exc.message,
                                           exc.params))
        return values, problems
