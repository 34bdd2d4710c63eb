"""Pure pieces: check digits, cell parsing, encodings, the XPath subset."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.demo_data import make_id_number, make_uscc
from bot.formats.sheets import CellError, a_date, ratio, ratios, scope, target_code
from bot.formats.tabular import TableError, detect_encoding, open_table
from bot.rules import xpath
from bot.rules.codes import id_check_char, uscc_check_char, valid_id_number, valid_uscc


def test_uscc_examples() -> None:
    assert valid_uscc("91350100M000100Y43")  # the example of GB 32100-2015
    assert not valid_uscc("91350100M000100Y44")
    assert not valid_uscc("91350100M000100I43")  # I is not in the character set
    assert uscc_check_char("91350100M000100Y4") == "3"


@given(st.integers(0, 10**9), st.booleans())
def test_every_generated_code_is_valid_and_any_single_change_is_caught(n: int,
                                                                      individual: bool) -> None:
    code = make_uscc(n, 1, individual)
    assert valid_uscc(code)
    changed = code[:17] + ("0" if code[17] != "0" else "1")
    assert not valid_uscc(changed)


def test_id_numbers() -> None:
    assert valid_id_number("11010519491231002X")  # the example of GB 11643-1999
    assert not valid_id_number("110105194912310021")
    assert not valid_id_number("110105194902300021")  # 30 February
    import random

    number = make_id_number(random.Random(3))
    assert valid_id_number(number) and id_check_char(number[:17]) == number[17]


def test_cells() -> None:
    assert target_code(" 91350100m000100y43 ") == ("91350100M000100Y43", "uscc")
    assert target_code("440301103097413") == ("440301103097413", "regno")
    with pytest.raises(CellError):
        target_code("12345")
    assert a_date("2026/3/1") == "2026-03-01" == a_date("2026年3月1日")
    assert a_date(datetime(2026, 3, 1)) == "2026-03-01" == a_date(date(2026, 3, 1))
    with pytest.raises(CellError):
        a_date("2026-02-30")
    assert ratio("5%") == "0.05" == ratio(0.05) and ratio("100%") == "1"
    with pytest.raises(CellError):
        ratio("0")
    assert ratios("A:3%;B:5%；C：10%") == {"A": "0.03", "B": "0.05", "C": "0.1"}
    assert ratios("5%") == {"*": "0.05"}
    assert scope("区域:芒市镇、遮放镇;对象类型:市场主体") == {
        "region": ["芒市镇", "遮放镇"], "kind": ["entity"]}


def test_encodings(tmp_path: Path) -> None:
    assert detect_encoding("名称".encode("utf-8-sig")) == "utf-8-sig"
    assert detect_encoding("名称,代码".encode()) == "utf-8"
    assert detect_encoding("名称,代码".encode("gbk")) == "gb18030"
    # A UTF-8 character cut at the end of the sample is still UTF-8.
    assert detect_encoding("名称".encode()[:-1]) == "utf-8"
    path = tmp_path / "t.csv"
    path.write_bytes("a\tb\n1\t名\n".encode("gb18030"))
    with open_table(path) as table:
        assert table.headers == ["a", "b"] and list(table.rows) == [(2, ["1", "名"])]
    path.write_bytes(b"")
    with pytest.raises(TableError), open_table(path):
        pass


@pytest.mark.parametrize(
    ("expression", "values", "current", "expected"),
    [
        ("${a} = 'yes'", {"a": "yes"}, "", True),
        ("${a} != 'yes'", {}, "", True),
        (". >= 0 and . < 10000", {}, "12", True),
        (". >= 0 and . < 10000", {}, "-1", False),
        ("selected(${p}, 'b')", {"p": "a b"}, "", True),
        ("count-selected(${p}) >= 2", {"p": "a b"}, "", True),
        ("not(${a} = 'no') or ${n} > 3", {"a": "no", "n": "4"}, "", True),
        ("${n} div 2 + 1 = 3", {"n": "4"}, "", True),
        ("string-length(.) <= 5", {}, "中文字", True),
        ("regex(., '^1[3-9][0-9]{9}$')", {}, "13812345678", True),
        (". <= today()", {}, date(2020, 1, 1), True),
        ("if(${a} = 'x', 1, 2) = 2", {"a": "y"}, "", True),
    ],
)
def test_xpath(expression: str, values: dict[str, str], current: xpath.Value,
               expected: bool) -> None:
    node = xpath.parse(expression)
    assert xpath.to_bool(xpath.evaluate(node, values, current, date(2026, 11, 23))) is expected


@pytest.mark.parametrize("expression", ["pulldata('x', 'y')", "${a} |", "instance('x')",
                                        "current()/name", "(1 = 1"])
def test_unsupported_expressions_are_named(expression: str) -> None:
    with pytest.raises(xpath.ExprError):
        xpath.parse(expression)
