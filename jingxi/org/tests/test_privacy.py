"""The one masking rule (`org.privacy`): each kind's mask, what free text gives away and
what it must keep (generated inputs), and who sees personal data unmasked."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from jingxi.org.choices import Role
from jingxi.org.privacy import (
    MASKED,
    PUBLIC,
    UNMASKED,
    Surface,
    contacts_visible,
    id_check_character,
    id_number_valid,
    mask_email,
    mask_id_number,
    mask_landline,
    mask_mobile,
    mask_name,
    mask_phone,
    mask_text,
    masking_for,
)
from jingxi.org.roles import RoleSet

# --- generators ---------------------------------------------------------------------

PROVINCES = [11, 13, 31, 41, 44, 50, 65, 81]
TODAY = timezone.localdate()


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    """Valid resident ID numbers: region of a real province, a birth date, a serial and
    the right check character."""
    region = f"{draw(st.sampled_from(PROVINCES))}{draw(st.integers(0, 9999)):04d}"
    born = draw(st.dates(dt.date(1900, 1, 1), TODAY - dt.timedelta(days=1)))
    first17 = f"{region}{born:%Y%m%d}{draw(st.integers(0, 999)):03d}"
    return first17 + id_check_character(first17)


@st.composite
def wrong_check_id_numbers(draw: st.DrawFn) -> str:
    """18-character strings that are ID numbers but for their check character."""
    valid = draw(id_numbers())
    wrong = draw(st.sampled_from([c for c in "0123456789" if c != valid[-1]]))
    return valid[:17] + wrong


@st.composite
def mobiles(draw: st.DrawFn) -> tuple[str, str]:
    """(a mobile number as someone might type it, its 11 digits)."""
    digits = f"1{draw(st.integers(3, 9))}{draw(st.integers(0, 999_999_999)):09d}"
    sep = draw(st.sampled_from(["", " ", "-"]))
    prefix = draw(st.sampled_from(["", "+86", "+86 ", "86", "0086 ", "86-"]))
    return f"{prefix}{digits[:3]}{sep}{digits[3:7]}{sep}{digits[7:]}", digits


@st.composite
def emails(draw: st.DrawFn) -> str:
    local = draw(st.from_regex(r"[a-z][a-z0-9._]{0,11}", fullmatch=True))
    domain = draw(st.from_regex(r"[a-z][a-z0-9]{1,9}", fullmatch=True))
    return f"{local}@{domain}.{draw(st.sampled_from(['com', 'cn', 'com.cn', 'org']))}"


@st.composite
def case_numbers(draw: st.DrawFn) -> str:
    """`cases.services` numbers: the day (YYYYMMDD) and a 4-digit serial: 12 digits."""
    day = draw(st.dates(dt.date(2020, 1, 1), dt.date(2035, 12, 31)))
    return f"{day:%Y%m%d}{draw(st.integers(1, 9999)):04d}"


@st.composite
def grid_codes(draw: st.DrawFn) -> str:
    """15 digits: region, township, community, serial (a region code like an ID's)."""
    region = f"{draw(st.sampled_from(PROVINCES))}{draw(st.integers(0, 9999)):04d}"
    return region + "".join(f"{draw(st.integers(0, 999)):03d}" for _ in range(3))


@st.composite
def component_ids(draw: st.DrawFn) -> str:
    """16 digits: region, major and minor category, serial."""
    region = f"{draw(st.sampled_from(PROVINCES))}{draw(st.integers(0, 9999)):04d}"
    return f"{region}{draw(st.integers(1, 99)):02d}{draw(st.integers(1, 99)):02d}" + (
        f"{draw(st.integers(0, 999_999)):06d}"
    )


@st.composite
def dates(draw: st.DrawFn) -> str:
    day = draw(st.dates(dt.date(2000, 1, 1), dt.date(2035, 12, 31)))
    form = draw(st.sampled_from(["%Y-%m-%d", "%Y年%m月%d日", "%Y/%m/%d", "%Y-%m-%d %H:%M"]))
    when = dt.datetime.combine(day, dt.time(draw(st.integers(0, 23)), draw(st.integers(0, 59))))
    return when.strftime(form)


@st.composite
def amounts(draw: st.DrawFn) -> str:
    yuan = draw(st.integers(0, 99_999_999))
    cents = draw(st.integers(0, 99))
    form = draw(st.sampled_from(["{y}元", "{y:,}.{c:02d}元", "¥{y}", "{y}.{c:02d}元"]))
    return form.format(y=yuan, c=cents)


KEPT = st.one_of(
    case_numbers(), grid_codes(), component_ids(), wrong_check_id_numbers(), dates(), amounts()
)
WORDS = st.sampled_from(
    [
        "青年路",
        "垃圾堆放",
        "井盖缺失",
        "请尽快处理",
        "附近",
        "案卷",
        "网格",
        "部件",
        "金额",
        "，",
        "。",
    ]
)


def _join(parts: list[str], glue: list[str]) -> str:
    """Parts with a word (never a digit) between each two and around them."""
    return "".join(g + p for g, p in zip(glue, parts, strict=False)) + glue[-1]


# --- one function per kind ----------------------------------------------------------


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("13812341234", "138****1234"), ("+8613812341234", "+86138****1234"),
     ("138 1234 1234", "138****1234"), ("0371-62100000", "0371-****0000"),
     ("(0371)6210000", "(0371)***0000"), ("62101", "***01"), ("110", "***"), ("", "")],
)  # fmt: skip
def test_a_phone_field_keeps_what_recognises_it_and_hides_the_rest(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("name", "masked"),
    [("王小明", "王*明"), ("王明", "王*"), ("欧阳小明", "欧**明"), ("李", "*"), ("", "")],
)
def test_a_name_keeps_its_first_and_last_character(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def test_each_kind_has_its_own_mask() -> None:
    assert mask_id_number("41012219900101123X") == "4101**********123X"
    assert mask_mobile("+86 138 1234 5678") == "+86 138****5678"
    assert mask_landline("010 62345678") == "010 ****5678"
    assert mask_email("wang.xiaoming@example.com") == "w***@example.com"


def test_the_check_character_follows_gb_11643() -> None:
    # The standard's own example: 11010519491231002X.
    assert id_check_character("11010519491231002") == "X"
    assert id_number_valid("11010519491231002X")
    assert id_number_valid("11010519491231002x")
    assert not id_number_valid("110105194912310021")  # wrong check character
    assert not id_number_valid("110105194902300020")  # 30 February
    assert not id_number_valid("990105194912310025")  # no province 99


# --- free text ----------------------------------------------------------------------


@given(
    ids=st.lists(id_numbers(), max_size=2),
    phones=st.lists(mobiles(), max_size=2),
    mails=st.lists(emails(), max_size=2),
    kept=st.lists(KEPT, min_size=1, max_size=6),
    glue=st.lists(WORDS, min_size=13, max_size=13),
    order=st.randoms(use_true_random=False),
)
def test_free_text_masks_personal_data_and_keeps_codes_dates_and_amounts(
    ids: list[str],
    phones: list[tuple[str, str]],
    mails: list[str],
    kept: list[str],
    glue: list[str],
    order: random.Random,
) -> None:
    secret = [*ids, *(typed for typed, _digits in phones), *mails]
    parts = [*secret, *kept]
    order.shuffle(parts)
    text = _join(parts, glue)
    masked = mask_text(text)
    for code in kept:
        assert code in masked, (code, masked)
    for number in ids:
        assert number not in masked and mask_id_number(number) in masked
    for _typed, digits in phones:
        assert digits not in masked.replace(" ", "").replace("-", "")
        assert f"{digits[:3]}****{digits[-4:]}" in masked
    for mail in mails:
        assert mail not in masked and mask_email(mail) in masked
    assert mask_text(masked) == masked  # a masked text has nothing left to mask


@given(kept=st.lists(KEPT, min_size=1, max_size=8), glue=st.lists(WORDS, min_size=9, max_size=9))
def test_text_without_personal_data_comes_back_unchanged(kept: list[str], glue: list[str]) -> None:
    text = _join(kept, glue)
    assert mask_text(text) == text


def test_landlines_with_an_area_code_are_masked_but_bare_local_numbers_are_not() -> None:
    text = "座机0371-62100000，或（010）62345678，或(0371)62100001，值班室62100002"
    assert mask_text(text) == "座机0371-****0000，或(010)****5678，或(0371)****0001，值班室62100002"


def test_an_old_15_digit_id_number_is_masked_only_after_the_word_for_it() -> None:
    old = "410122850101123"  # born 1985-01-01, no check digit
    assert mask_text(f"身份证号：{old}") == "身份证号：4101*******1123"
    assert mask_text(f"网格{old}") == f"网格{old}"  # a grid code reads the same


def test_the_records_own_name_and_phone_are_masked_however_written() -> None:
    shown = MASKED.about(name="王小明", phone="62101234")
    assert shown.text("我是王小明，值班电话62101234") == "我是王*明，值班电话******34"


def test_full_width_digits_are_digits() -> None:
    assert mask_text("电话１３８１２３４５６７８") == "电话138****5678"


# --- who sees what ------------------------------------------------------------------


def test_only_the_roles_that_call_back_see_contacts_unmasked() -> None:
    unmasked = {
        role
        for role in Role
        if contacts_visible(roles=[role], viewer=None, surface=Surface.CASE_PAGE)
    }
    assert unmasked == {Role.DISPATCHER, Role.OPERATOR, Role.ADMIN}
    roleset = RoleSet(jurisdiction_id=1, units={Role.OPERATOR: frozenset({1})})
    assert contacts_visible(roles=roleset, viewer=None, surface=Surface.API)
    assert not contacts_visible(roles=RoleSet(jurisdiction_id=1), viewer=None, surface=Surface.API)


def test_each_masking_shows_names_phones_and_text_as_its_viewer_may() -> None:
    text = "王小明说：电话13812341234"
    for_leader = masking_for(roles=[Role.LEADER], viewer=None, surface=Surface.CASE_PAGE)
    for_operator = masking_for(roles=[Role.OPERATOR], viewer=None, surface=Surface.CASE_PAGE)
    assert for_leader == MASKED and for_operator == UNMASKED
    assert (UNMASKED.name("王小明"), UNMASKED.phone("13812341234")) == ("王小明", "13812341234")
    assert (MASKED.name("王小明"), MASKED.phone("13812341234")) == ("王*明", "138****1234")
    assert (PUBLIC.name("王小明"), PUBLIC.phone("13812341234")) == ("", "")
    assert UNMASKED.about(name="王小明").text(text) == text
    assert MASKED.about(name="王小明").text(text) == "王*明说：电话138****1234"
    assert PUBLIC.about(name="王小明").text(text) == "王*明说：电话138****1234"
