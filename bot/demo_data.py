"""A realistic synthetic county: departments, items with XLSForm checklists, targets with
valid 统一社会信用代码, inspectors with valid 身份证号, recusals, and plans drawn on the day
the county is generated, each of which can be drawn.

Deterministic for a seed; streamed, so a million targets take seconds and little memory.
The files are the same templates an office would send, so loading them goes through
the real import.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from bot.formats.sheets import SHEETS
from bot.rules.codes import USCC_CHARSET, id_check_char, uscc_check_char
from bot.rules.workdays import Calendar

REGION_CODE = "533103"  # 芒市 (德宏州)
REGIONS = ("勐焕街道", "芒市镇", "遮放镇", "风平镇", "轩岗乡", "勐戛镇", "芒海镇", "江东乡")
INDUSTRIES = (
    ("餐饮", "餐饮店", "小微企业"), ("食品销售", "食品商行", "个体工商户"),
    ("药品零售", "大药房", "有限责任公司"), ("住宿", "宾馆", "有限责任公司"),
    ("美容美发", "美发店", "个体工商户"), ("建材", "建材经营部", "个体工商户"),
    ("成品油零售", "加油站", "有限责任公司"), ("医疗器械", "医疗器械有限公司", "有限责任公司"),
)
WORDS = ("兴华", "瑞丽", "金孔雀", "凤凰", "孔雀湖", "德宏", "勐焕", "南亚", "傣乡", "芒果",
         "茶香", "丰源", "恒昌", "鑫盛", "永安", "佳和", "宏达", "景颇", "菩提", "翡翠")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林罗高"
GIVEN = ("伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛",
         "明", "超", "秀英", "丽", "华", "平")


@dataclass(frozen=True)
class DemoDepartment:
    code: str
    name: str


DEPARTMENTS = (
    DemoDepartment("SCJGJ", "芒市市场监督管理局"),
    DemoDepartment("WSJKJ", "芒市卫生健康局"),
    DemoDepartment("STHJJ", "德宏州生态环境局芒市分局"),
    DemoDepartment("YJGLJ", "芒市应急管理局"),
    DemoDepartment("SWJ", "芒市商务局"),
)

# code, category, name, kind, department, max ratio, expertise, checklist questions
ITEMS = (
    ("SC-001", "食品安全", "食品经营许可及经营条件检查", "重点", "SCJGJ", None, "食品安全"),
    ("SC-002", "市场主体登记", "营业执照（登记事项）公示情况检查", "一般", "SCJGJ", "20%", None),
    ("SC-003", "药品安全", "药品零售企业经营行为检查", "重点", "SCJGJ", None, "药品"),
    ("WS-001", "公共卫生", "公共场所卫生许可及卫生状况检查", "重点", "WSJKJ", None, None),
    ("WS-002", "公共卫生", "生活饮用水卫生检查", "一般", "WSJKJ", "20%", None),
    ("HJ-001", "生态环境", "排污许可执行情况检查", "重点", "STHJJ", None, "环境监测"),
    ("YJ-001", "安全生产", "危险化学品经营安全检查", "重点", "YJGLJ", None, "危化品"),
    ("SW-001", "商贸流通", "成品油零售经营资格检查", "一般", "SWJ", "30%", None),
)
EXPERTISE = ("食品安全", "药品", "环境监测", "危化品", "计量", "特种设备")


def org_code_check(first8: str) -> str:
    """GB 11714 check character of the 9-character organisation code."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first8, weights, strict=True))
    value = 11 - total % 11
    return "X" if value == 10 else "0" if value == 11 else str(value)


_SPACE = 31 ** 8
_STRIDE = 2_147_483_647  # prime, so n -> n * stride mod 31^8 is a bijection: codes never repeat


def make_uscc(n: int, seed: int, individual: bool) -> str:
    """The n-th synthetic code: unique for every n below 31^8, scattered like real ones."""
    value = (n * _STRIDE + seed * 7919) % _SPACE
    body = ""
    for _ in range(8):
        value, digit = divmod(value, 31)
        body += USCC_CHARSET[digit]
    first17 = ("92" if individual else "91") + REGION_CODE + body + org_code_check(body)
    return first17 + uscc_check_char(first17)


def make_id_number(rng: random.Random, region: str = REGION_CODE) -> str:
    born = date(1965, 1, 1) + timedelta(days=rng.randrange(0, 365 * 35))
    first17 = f"{region}{born:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return first17 + id_check_char(first17)


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _headers(kind: str) -> list[str]:
    return [c.header for c in SHEETS[kind].columns]


def write_targets(path: Path, count: int, seed: int = 1) -> list[str]:
    """Stream `count` targets to a CSV; return a few codes (for recusals)."""
    rng = random.Random(seed)
    sample: list[str] = []
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(_headers("targets"))
        for n in range(count):
            industry, suffix, entity_type = INDUSTRIES[n % len(INDUSTRIES)]
            individual = entity_type == "个体工商户"
            code = make_uscc(n, seed, individual)
            region = REGIONS[rng.randrange(len(REGIONS))]
            roll = rng.random()
            status = "注销" if roll < 0.02 else "吊销" if roll < 0.03 else "存续"
            credit = rng.choices("ABCD", weights=(40, 40, 15, 5))[0]
            founded = date(2000, 1, 1) + timedelta(days=rng.randrange(0, 9000))
            writer.writerow([
                code, f"芒市{region}{rng.choice(WORDS)}{suffix}{n % 997}", entity_type,
                "芒市市场监督管理局", person_name(rng),
                f"云南省德宏州芒市{region}{rng.randrange(1, 300)}号", status,
                founded.isoformat(), f"{industry}相关经营", industry, region, credit,
                "是" if rng.random() < 0.03 else "否", "是" if rng.random() < 0.01 else "否",
                rng.choices((0, 1, 2, 5), weights=(85, 10, 4, 1))[0], "市场主体",
            ])
            if len(sample) < 20 and status == "存续":
                sample.append(code)
    return sample


@dataclass(frozen=True)
class DemoInspector:
    name: str
    department: str
    roles: str
    cert_no: str | None
    expertise: str


# Per department, the expertise its items of the demo plans need: every inspector of the
# department gets it, so that every demo plan can be drawn.
DEPARTMENT_EXPERTISE = {"SCJGJ": ("食品安全",), "STHJJ": ("环境监测",), "YJGLJ": ("危化品",)}


def demo_inspectors(rng: random.Random, per_department: int) -> list[DemoInspector]:
    """Inspectors of every department, names unique within it; the first names are the
    local-mode demo people."""
    fixed = [
        DemoInspector("李强", "SCJGJ", "分管负责人、执法检查人员", "YN533103100001", "食品安全"),
        DemoInspector("张伟", "SCJGJ", "执法检查人员", "YN533103100002", "食品安全、药品"),
        DemoInspector("刘洋", "WSJKJ", "执法检查人员", "YN533103200001", ""),
        DemoInspector("Alice Chen", "STHJJ", "执法检查人员", "YN533103300001", "环境监测"),
    ]
    people = list(fixed)
    # The people of local mode are found by name: nobody else may carry those names.
    reserved = {p.name for p in fixed} | {"王芳"}
    for index, department in enumerate(DEPARTMENTS, start=1):
        taken = set(reserved)
        already = sum(1 for p in fixed if p.department == department.code)
        for n in range(already, per_department):
            roles = "分管负责人" if n == per_department - 1 else "执法检查人员"
            name = person_name(rng)
            while name in taken:
                name = person_name(rng)
            taken.add(name)
            needed = list(DEPARTMENT_EXPERTISE.get(department.code, ()))
            # Half of the market regulators also check drug retailers (药品).
            if department.code == "SCJGJ" and n % 2 == 0:
                needed.append("药品")
            extra = [e for e in rng.sample(EXPERTISE, k=rng.randrange(0, 2)) if e not in needed]
            people.append(DemoInspector(
                name, department.code, roles, f"YN5331030{index}{n + 10:04d}",
                "、".join(needed + extra)))
    return people


# Every checklist opens with the licence (证照) and the premises, then asks what the item
# itself is about; the labels are the office's own wording in Chinese and English.
# (type, name, zh, en, required, relevant, constraint, message zh, message en)
Row = tuple[str, str, str, str, str, str, str, str, str]


def _licence_block(zh: str, en: str) -> list[Row]:
    return [
        ("note", "intro", "请出示执法证件，告知检查事项和依据",
         "Show your credentials and explain the check and its basis", "", "", "", "", ""),
        ("select_one compliance", "licence", f"是否取得并公示有效{zh}？",
         f"Valid {en} obtained and displayed?", "yes", "", "", "", ""),
        ("image", "licence_photo", f"拍摄{zh}照片", f"Photo of the {en}", "yes",
         "${licence} = 'yes'", "", "", ""),
        ("date", "licence_until", f"{zh}有效期至", f"{en.capitalize()} valid until", "yes",
         "${licence} = 'yes'", ". >= today()", f"{zh}已过期，应选择“不符合”",
         f"The {en} has expired: answer “Non-compliant”"),
        ("select_multiple problems", "licence_problems", f"{zh}存在的问题",
         f"Problems with the {en}", "yes", "${licence} = 'no'", "", "", ""),
        ("select_one compliance", "premises", "经营场所与登记住所是否一致？",
         "Premises match the registered address?", "yes", "", "", "", ""),
    ]


def _yes_no(name: str, zh: str, en: str) -> Row:
    return ("select_one compliance", name, zh, en, "yes", "", "", "", "")


REMARKS: Row = ("text", "remarks", "其他需要说明的情况", "Other remarks", "", "", "", "", "")
CHECKLISTS: dict[str, list[Row]] = {
    "SC-001": [  # 食品经营
        *_licence_block("许可证（执照）", "licence"),
        ("integer", "staff", "现场从业人员人数", "Staff on site", "", "",
         ". >= 0 and . < 10000", "人数应为 0 至 9999", "Between 0 and 9999"),
        _yes_no("records", "进货查验及相关记录是否完整？", "Purchase inspection records complete?"),
        REMARKS],
    "SC-002": [  # 登记事项公示
        *_licence_block("营业执照", "business licence"),
        _yes_no("annual_report", "是否按时报送年度报告？", "Annual report filed on time?"),
        _yes_no("public_info", "公示信息是否与实际情况一致？",
                "Published information matches the facts?"),
        ("image", "public_info_photo", "拍摄不一致之处", "Photo of what does not match", "yes",
         "${public_info} = 'no'", "", "", ""),
        REMARKS],
    "SC-003": [  # 药品零售
        *_licence_block("药品经营许可证", "drug retail licence"),
        _yes_no("pharmacist", "执业药师是否在岗？", "Licensed pharmacist on duty?"),
        _yes_no("prescriptions", "处方药是否凭处方销售？",
                "Prescription drugs sold on prescription?"),
        ("decimal", "temperature", "阴凉区温度（℃）", "Temperature of the cool storage (°C)",
         "yes", "", ". >= -10 and . <= 40", "温度应在 -10 至 40 ℃ 之间",
         "Between -10 and 40 °C"),
        REMARKS],
    "WS-001": [  # 公共场所卫生
        *_licence_block("卫生许可证", "hygiene licence"),
        _yes_no("health_certificates", "从业人员是否持有效健康合格证明？",
                "Staff hold valid health certificates?"),
        _yes_no("disinfection", "公共用品用具是否清洗消毒？",
                "Shared articles cleaned and disinfected?"),
        ("integer", "beds", "客房床位数", "Number of guest beds", "", "",
         ". >= 0 and . < 5000", "床位数应为 0 至 4999", "Between 0 and 4999"),
        REMARKS],
    "WS-002": [  # 生活饮用水
        *_licence_block("卫生许可证（供水）", "water supply hygiene licence"),
        _yes_no("water_report", "水质检测报告是否在有效期内？", "Water quality report current?"),
        _yes_no("tank_cleaning", "二次供水设施是否定期清洗消毒？",
                "Secondary supply tanks cleaned regularly?"),
        ("decimal", "chlorine", "出水余氯（mg/L）", "Residual chlorine (mg/L)", "yes", "",
         ". >= 0 and . <= 4", "余氯应在 0 至 4 mg/L 之间", "Between 0 and 4 mg/L"),
        REMARKS],
    "HJ-001": [  # 排污许可
        *_licence_block("排污许可证", "discharge permit"),
        _yes_no("treatment", "污染防治设施是否正常运行？", "Pollution control equipment running?"),
        _yes_no("monitoring", "自行监测数据是否按规定公开？",
                "Self-monitoring data published as required?"),
        ("image", "outlet_photo", "拍摄排放口", "Photo of the discharge outlet", "yes", "", "", "",
         ""),
        REMARKS],
    "YJ-001": [  # 危险化学品经营
        *_licence_block("危险化学品经营许可证", "hazardous chemicals licence"),
        _yes_no("distance", "储存场所是否符合安全距离要求？",
                "Storage at the required safe distances?"),
        _yes_no("emergency", "是否配备应急救援器材？", "Emergency equipment in place?"),
        _yes_no("safety_officer", "安全管理人员是否持证上岗？",
                "Safety officer holds a valid certificate?"),
        REMARKS],
    "SW-001": [  # 成品油零售
        *_licence_block("成品油零售经营批准证书", "fuel retail approval"),
        _yes_no("pumps", "加油机是否经计量检定合格？", "Fuel pumps verified by metrology?"),
        _yes_no("quality", "油品质量检测报告是否齐全？", "Fuel quality reports complete?"),
        ("integer", "pump_count", "加油机数量", "Number of fuel pumps", "", "",
         ". >= 0 and . < 100", "数量应为 0 至 99", "Between 0 and 99"),
        REMARKS],
}


def write_checklist(path: Path, code: str, name: str) -> None:
    """The item's XLSForm checklist: compliance questions, skip logic, constraints, photos."""
    from openpyxl import Workbook

    workbook = Workbook()
    survey = workbook.active
    assert survey is not None
    survey.title = "survey"
    survey.append(["type", "name", "label::zh", "label::en", "required", "relevant",
                   "constraint", "constraint_message::zh", "constraint_message::en"])
    for row in CHECKLISTS[code]:
        survey.append(list(row))
    choices = workbook.create_sheet("choices")
    choices.append(["list_name", "name", "label::zh", "label::en"])
    for choice in (("compliance", "yes", "符合", "Compliant"),
                   ("compliance", "no", "不符合", "Non-compliant"),
                   ("compliance", "na", "不适用", "Not applicable"),
                   ("problems", "expired", "已过期", "Expired"),
                   ("problems", "not_shown", "未公示", "Not displayed"),
                   ("problems", "mismatch", "登记事项不符", "Details do not match")):
        choices.append(list(choice))
    settings = workbook.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "default_language"])
    settings.append([name, code, "1", "zh"])
    workbook.save(path)


DAY_ONE_PLAN = "{year}年度芒市卫生健康局住宿场所卫生抽查计划"


def plan_rows(today: date) -> list[list[object]]:
    """The demo plans, drawn today: every one can be drawn (the items' expertise is held by
    every inspector of the department, teams of two exist in every department). The last
    one's inspection window opens on the draw day, so that a visit can be made on the
    first day; it draws 20% of the 住宿 targets, enough teams that every inspector of
    卫生健康局 (the local mode's 刘洋 among them) is on one: the draw spreads the load."""
    cal = Calendar()
    start, due = cal.add(today, 2).isoformat(), cal.add(today, 20).isoformat()
    year = today.year
    drawn = today.isoformat()
    return [[
        f"{year}年度芒市市场监管领域部门联合抽查计划", "食品经营及公共场所联合检查", "联合",
        "", "A:3%;B:5%;C:10%;D:20%", "SC-001、SC-002、WS-001", "", "SCJGJ", "WSJKJ",
        drawn, start, due, "", "",
    ], [
        f"{year}年度芒市市场监督管理局药品零售抽查计划", "药品零售企业经营行为检查", "部门",
        "", "10%", "SC-003", "行业:药品零售", "SCJGJ", "", drawn, start, due, "", "",
    ], [
        f"{year}年度芒市加油站安全与环保联合抽查计划", "加油站危化品安全、排污和经营资格联合检查",
        "联合", "", "30%", "YJ-001、HJ-001、SW-001", "行业:成品油零售", "YJGLJ", "STHJJ、SWJ",
        drawn, start, due, "", "",
    ], [
        DAY_ONE_PLAN.format(year=year), "宾馆等住宿场所生活饮用水卫生检查", "部门", "", "20%",
        "WS-002", "行业:住宿", "WSJKJ", "", drawn, drawn, due, "", "",
    ]]


def generate(out: Path, targets: int = 2000, per_department: int = 20,
             seed: int = 2026, today: date | None = None) -> dict[str, Path]:
    """Write every template for a county, its plans drawn `today` (the day it is
    generated); return the files by kind, in load order."""
    today = today or date.today()
    year = today.year
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    files: dict[str, Path] = {}

    def write(kind: str, rows: list[list[object]]) -> None:
        path = out / f"{kind}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(_headers(kind))
            writer.writerows(rows)
        files[kind] = path

    write("departments", [[d.code, d.name, "芒市", "是"] for d in DEPARTMENTS])
    write("items", [
        [code, category, name, "市场主体", kind, "双随机抽查、现场检查", department,
         "每年不少于一次", f"{name}：许可证照、经营条件、制度落实",
         "《中华人民共和国行政许可法》等法律法规", max_ratio or "", expertise or "", "是"]
        for code, category, name, kind, department, max_ratio, expertise in ITEMS
    ])
    target_path = out / "targets.csv"
    sample = write_targets(target_path, targets, seed)
    files["targets"] = target_path
    inspectors = demo_inspectors(rng, per_department)
    valid_until = date(year + 2, 12, 31).isoformat()
    people_rows: list[list[object]] = []
    for n, person in enumerate(inspectors):
        expired = n % 37 == 36
        people_rows.append([
            make_id_number(rng), person.name, rng.choice("男女"),
            f"13{rng.randrange(0, 10)}{rng.randrange(0, 10**8):08d}",
            next(d.name for d in DEPARTMENTS if d.code == person.department),
            person.department, "科员", person.cert_no, "德宏州人民政府",
            date(year - 1, 6, 30).isoformat() if expired else valid_until,
            person.expertise, person.roles, "是",
        ])
    write("inspectors", people_rows)
    write("recusals", [[inspectors[i].cert_no, sample[i], "近亲属经营"]
                       for i in range(min(3, len(sample))) if inspectors[i].cert_no])
    write("plans", plan_rows(today))
    checklist_dir = out / "checklists"
    checklist_dir.mkdir(exist_ok=True)
    for code, _, name, *_ in ITEMS:
        path = checklist_dir / f"{code}.xlsx"
        write_checklist(path, code, name)
        files[f"checklist:{code}"] = path
    return files
