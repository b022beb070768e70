"""The kinds of security event the audit trail records."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditKind(models.TextChoices):
    LOGIN_SUCCEEDED = "login_succeeded", _("登录成功")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOCKED_OUT = "locked_out", _("账号锁定")
    LOGGED_OUT = "logged_out", _("退出登录")
    PASSWORD_CHANGED = "password_changed", _("密码已修改")
    SECOND_FACTOR_ADDED = "second_factor_added", _("启用双因素认证")
    SECOND_FACTOR_REMOVED = "second_factor_removed", _("移除双因素认证")
    USER_CHANGED = "user_changed", _("用户变更")
    MEMBERSHIP_CHANGED = "membership_changed", _("岗位/角色变更")
    API_TOKEN_ISSUED = "api_token_issued", _("签发 API 令牌")
    API_TOKEN_REVOKED = "api_token_revoked", _("吊销 API 令牌")
    OPEN311_KEY_ISSUED = "open311_key_issued", _("签发 Open311 密钥")
    OPEN311_KEY_REVOKED = "open311_key_revoked", _("吊销 Open311 密钥")
    SECURITY_DATA_CHANGED = "security_data_changed", _("安全数据变更")
    MASTER_DATA_CHANGED = "master_data_changed", _("主数据变更")
    PERSONAL_DATA_VIEWED = "personal_data_viewed", _("查看未脱敏个人信息")
    PERSONAL_DATA_EXPORTED = "personal_data_exported", _("导出未脱敏个人信息")
    AUDIT_EXPORTED = "audit_exported", _("导出审计记录")
    AUDIT_PURGED = "audit_purged", _("清理过期审计记录")


class ChangeAction(models.TextChoices):
    """What an edit did to its record (the `action` of a change's details)."""

    ADD = "add", _("新增")
    CHANGE = "change", _("修改")
    DELETE = "delete", _("删除")
