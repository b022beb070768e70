import pytest

from jingxi.lib.privacy import mask_name, mask_phone


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("13812341234", "138****1234"), ("+8613812341234", "+86****1234"), ("62101", "***01"),
     ("110", "***"), ("", "")],
)  # fmt: skip
def test_mask_phone(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("name", "masked"), [("张三", "张*"), ("欧阳小明", "欧***"), ("李", "李*")]
)
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked
