"""Masking of personal data (个人信息保护法): names and phone numbers of citizens."""

from __future__ import annotations


def mask_phone(phone: str) -> str:
    """'13812341234' -> '138****1234'; short numbers keep only their last two digits."""
    digits = phone.strip()
    if not digits:
        return ""
    if len(digits) >= 11:
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) > 4:
        return "*" * (len(digits) - 2) + digits[-2:]
    return "*" * len(digits)


def mask_name(name: str) -> str:
    """'张三' -> '张*', '欧阳小明' -> '欧***'; empty stays empty."""
    name = name.strip()
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)
