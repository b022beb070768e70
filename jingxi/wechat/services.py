"""Writes of the WeChat channel: the report dialogue with a follower.

A follower reports a problem in three steps, one message each: the location (a WeChat
location message, GCJ-02), a photo (or 跳过), then a description. The case is then
created through `cases.services.case_report` with source WeChat and an idempotency
key derived from the draft, so a retried last message cannot create it twice.
取消 cancels at any step; 查询 <编号> answers a case's public status at any time; a
dialogue left for `DIALOGUE_TIMEOUT` starts over.

A photo is kept as WeChat sent it (PicUrl, MediaId) on the draft, then on the case as a
`PendingMedia` row; the background job in `media.py` downloads it through WeChat's API
(with the AppID and AppSecret) and stores it on the case as a before-photo.

Replies go to citizens in Simplified Chinese, whatever language the request asks for.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import uuid
from typing import Final

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from jingxi.cases.choices import Source
from jingxi.cases.models import Case
from jingxi.cases.services import CaseInputError, DuplicateSubmission, case_report
from jingxi.lib.ratelimit import rate_allow
from jingxi.org.privacy import PUBLIC
from jingxi.places.geocode import point_describe
from jingxi.places.responsibility import OutsideJurisdiction, point_responsibility
from jingxi.wechat.choices import MsgType, Step
from jingxi.wechat.models import Conversation, InboundMessage, PendingMedia
from jingxi.wechat.protocol import Message
from jingxi.wechat.selectors import (
    case_public_status,
    category_for_description,
    jurisdiction_for_wechat,
    tracking_url,
)

logger = logging.getLogger(__name__)

DIALOGUE_TIMEOUT: Final = dt.timedelta(minutes=30)
RATE_LIMIT: Final = 20  # messages per follower per window; a person types far fewer
RATE_WINDOW_S: Final = 60
INBOUND_KEEP: Final = dt.timedelta(days=2)  # WeChat retries within seconds
# A follower silent this long is forgotten (the OpenID is personal data); their cases stay.
FORGET_AFTER: Final = dt.timedelta(days=180)
MIN_DESCRIPTION: Final = 4

START_WORDS: Final = frozenset({"上报", "我要上报", "报事", "随手拍"})
CANCEL_WORDS: Final = frozenset({"取消", "退出"})
SKIP_WORDS: Final = frozenset({"跳过", "无", "没有"})
QUERY: Final = re.compile(r"^(?:查询|查)\s*[:：]?\s*([0-9]{8,20})$")

HELP: Final = (
    "您好，这里是城市精细化管理问题上报。\n"
    "回复“上报”开始，按提示依次发送：\n"
    "1. 问题位置（点“+”选择“位置”）\n"
    "2. 现场照片（可回复“跳过”）\n"
    "3. 问题描述\n"
    "查询进度请回复“查询 案卷编号”；上报中回复“取消”可退出。"
)
WELCOME: Final = "感谢关注！\n" + HELP
ASK_LOCATION: Final = (
    "请发送问题所在位置：点输入框旁的“+”，选择“位置”，移到问题地点后发送。\n回复“取消”可退出。"
)
ASK_PHOTO: Final = "请拍摄或从相册选择一张现场照片发送；没有照片请回复“跳过”。"
ASK_DESCRIPTION: Final = "请用文字描述问题，例如：“路边垃圾堆放两天没人清理”。"
PROMPTS: Final = {
    Step.LOCATION: ASK_LOCATION,
    Step.PHOTO: ASK_PHOTO,
    Step.DESCRIPTION: ASK_DESCRIPTION,
}
OUTSIDE: Final = (
    "该位置不在本县（市）管辖范围内，无法受理。\n请确认问题地点后重新发送位置，或回复“取消”退出。"
)
EXPIRED: Final = "上次上报超过30分钟未完成，已自动取消。"
CANCELLED: Final = "已取消本次上报。需要时回复“上报”重新开始。"
UNSUPPORTED: Final = "暂不支持这类消息，请发送文字、图片或位置。"
RATE_LIMITED: Final = "您发送消息太频繁了，请稍等一分钟再试。"
NO_CATEGORY: Final = (
    "未能判断问题类别，请补充说明是什么问题（例如：暴露垃圾、井盖破损、占道经营、"
    "车辆乱停放），再发送一次描述。"
)


def follower_ref(openid: str) -> str:
    """A short pseudonym of an OpenID for log lines (the OpenID itself is not logged)."""
    return hashlib.sha256(openid.encode("utf-8")).hexdigest()[:10]


def rate_limited(*, openid: str, now: float | None = None) -> bool:
    """Count the follower's message in the current window; True when over the limit."""
    limit = int(getattr(settings, "JINGXI_WECHAT_RATE_LIMIT", RATE_LIMIT))
    allowed, _retry = rate_allow(
        scope="wechat:follower", ident=openid, limit=limit, window_seconds=RATE_WINDOW_S, now=now
    )
    return not allowed


class _AlreadyHandled(Exception):
    """The message's key was claimed by another delivery of the same message."""


def message_handle(
    *, message: Message, base_url: str, now: dt.datetime | None = None
) -> str | None:
    """Answer one message: the reply text, or None when there is nothing to say.

    A message seen before (WeChat retries) gets the first answer and changes nothing.
    Everything a message changes is written in one transaction. Raises
    `selectors.NotConfigured` when the settings name no jurisdiction.
    """
    now = now or timezone.now()
    with translation.override("zh-hans"):
        jurisdiction = jurisdiction_for_wechat()
        conversation, _created = Conversation.objects.get_or_create(
            openid=message.from_user,
            defaults={"jurisdiction": jurisdiction, "created_at": now, "updated_at": now},
        )
        key = message.dedupe_key
        previous = InboundMessage.objects.filter(conversation=conversation, key=key).first()
        if previous is not None:
            logger.info(
                "wechat: duplicate message %s from %s", key, follower_ref(message.from_user)
            )
            return previous.reply or None
        if rate_limited(openid=message.from_user):
            logger.info("wechat: rate-limited %s", follower_ref(message.from_user))
            return RATE_LIMITED
        try:
            with transaction.atomic():
                locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
                try:
                    with transaction.atomic():
                        InboundMessage.objects.create(conversation=locked, key=key, received_at=now)
                except IntegrityError as exc:
                    raise _AlreadyHandled from exc
                reply = conversation_advance(
                    conversation=locked, message=message, base_url=base_url, now=now
                )
                InboundMessage.objects.filter(conversation=locked, key=key).update(
                    reply=reply or ""
                )
                InboundMessage.objects.filter(
                    conversation=locked, received_at__lt=now - INBOUND_KEEP
                ).delete()
        except _AlreadyHandled:
            first = InboundMessage.objects.filter(conversation=conversation, key=key).first()
            return (first.reply or None) if first is not None else None
        return reply


def conversation_prune(*, now: dt.datetime | None = None) -> tuple[int, int]:
    """Forget followers silent for FORGET_AFTER and handled messages older than
    INBOUND_KEEP; (conversations, messages) deleted."""
    now = now or timezone.now()
    with transaction.atomic():
        _total, by_model = Conversation.objects.filter(updated_at__lt=now - FORGET_AFTER).delete()
        messages, _by_model = InboundMessage.objects.filter(
            received_at__lt=now - INBOUND_KEEP
        ).delete()
    return by_model.get(Conversation._meta.label, 0), messages


def _draft_clear(conversation: Conversation) -> None:
    conversation.step = Step.IDLE
    conversation.draft_key = ""
    conversation.lng = conversation.lat = None
    conversation.label = conversation.pic_url = conversation.media_id = ""


def _draft_start(conversation: Conversation) -> None:
    _draft_clear(conversation)
    conversation.step = Step.LOCATION
    conversation.draft_key = uuid.uuid4().hex


def conversation_advance(
    *, conversation: Conversation, message: Message, base_url: str, now: dt.datetime
) -> str | None:
    """Move the dialogue one message on and save it; the reply (None: nothing to say).

    The caller holds the conversation's row lock inside a transaction.
    """
    notes: list[str] = []
    if conversation.step != Step.IDLE and now - conversation.updated_at > DIALOGUE_TIMEOUT:
        _draft_clear(conversation)
        notes.append(EXPIRED)
    if message.msg_type == MsgType.EVENT:
        reply = _on_event(conversation, message)
    elif message.msg_type == MsgType.TEXT:
        reply = _on_text(conversation, message.content, base_url=base_url, now=now)
    elif message.msg_type == MsgType.LOCATION:
        reply = _on_location(conversation, message)
    elif message.msg_type == MsgType.IMAGE:
        reply = _on_image(conversation, message)
    else:
        reply = _with_prompt(conversation, UNSUPPORTED)
    conversation.updated_at = now
    conversation.save()
    if reply:
        notes.append(reply)
    return "\n\n".join(notes) or None


def _with_prompt(conversation: Conversation, text: str) -> str:
    prompt = PROMPTS.get(Step(conversation.step))
    return f"{text}\n\n{prompt}" if prompt else text


def _on_event(conversation: Conversation, message: Message) -> str | None:
    if message.event == "subscribe":
        return WELCOME
    if message.event == "unsubscribe":
        _draft_clear(conversation)
    return None


def _on_text(conversation: Conversation, text: str, *, base_url: str, now: dt.datetime) -> str:
    text = text.strip()
    if text in CANCEL_WORDS:
        if conversation.step == Step.IDLE:
            return HELP
        _draft_clear(conversation)
        return CANCELLED
    query = QUERY.match(text)
    if query:
        status = case_public_status(jurisdiction=conversation.jurisdiction, number=query[1])
        answer = status or f"未找到编号为 {query[1]} 的案卷，请核对后再试。"
        return _with_prompt(conversation, answer)
    if text in START_WORDS:
        _draft_start(conversation)
        return ASK_LOCATION
    if conversation.step == Step.PHOTO and text in SKIP_WORDS:
        conversation.step = Step.DESCRIPTION
        return ASK_DESCRIPTION
    if conversation.step == Step.DESCRIPTION:
        return _report(conversation, text, base_url=base_url, now=now)
    if conversation.step == Step.IDLE:
        return HELP
    return PROMPTS[Step(conversation.step)]


def _on_location(conversation: Conversation, message: Message) -> str:
    if message.lng is None or message.lat is None:  # the parser requires both
        return OUTSIDE
    if conversation.step == Step.IDLE:
        _draft_start(conversation)
    try:
        route = point_responsibility(
            jurisdiction=conversation.jurisdiction, lng=message.lng, lat=message.lat, crs="gcj02"
        )
    except OutsideJurisdiction:
        return OUTSIDE
    conversation.lng, conversation.lat = message.lng, message.lat
    conversation.label = message.label[:255]
    # Replies are a public surface: the label (the follower's own words) is masked.
    place = PUBLIC.text(message.label) or point_describe(
        jurisdiction=conversation.jurisdiction, lng=route.lng, lat=route.lat
    )
    if conversation.step == Step.LOCATION:
        conversation.step = Step.PHOTO
        return f"已收到位置：{place}\n\n{ASK_PHOTO}"
    return _with_prompt(conversation, f"已更新位置：{place}")


def _on_image(conversation: Conversation, message: Message) -> str:
    if conversation.step == Step.IDLE:
        return HELP
    if conversation.step == Step.LOCATION:
        return "请先发送问题位置，再发送照片。\n\n" + ASK_LOCATION
    conversation.pic_url = message.pic_url
    conversation.media_id = message.media_id
    if conversation.step == Step.PHOTO:
        conversation.step = Step.DESCRIPTION
        return f"已收到照片。\n\n{ASK_DESCRIPTION}"
    return _with_prompt(conversation, "已更新照片。")


def _report(conversation: Conversation, text: str, *, base_url: str, now: dt.datetime) -> str:
    if len(text) < MIN_DESCRIPTION:
        return f"描述太短了，请至少写{MIN_DESCRIPTION}个字，说明是什么问题。"
    if conversation.lng is None or conversation.lat is None:  # not reached: step order
        conversation.step = Step.LOCATION
        return ASK_LOCATION
    jurisdiction = conversation.jurisdiction
    category = category_for_description(jurisdiction=jurisdiction, text=text)
    if category is None:
        return NO_CATEGORY
    try:
        case = case_report(
            jurisdiction=jurisdiction,
            category=category,
            lng=conversation.lng,
            lat=conversation.lat,
            crs="gcj02",
            description=text,
            address=conversation.label,
            source=Source.WECHAT,
            idempotency_key=f"wechat-{conversation.draft_key}",
            now=now,
        )
    except DuplicateSubmission as exc:
        case = exc.case
    except CaseInputError as exc:
        return f"上报未成功：{exc}\n请修改后重新发送问题描述，或回复“取消”退出。"
    else:
        if conversation.pic_url or conversation.media_id:
            PendingMedia.objects.create(
                case=case,
                pic_url=conversation.pic_url,
                media_id=conversation.media_id,
                received_at=now,
                next_attempt_at=now,
            )
    conversation.last_case = case
    _draft_clear(conversation)
    logger.info("wechat: case %s reported by %s", case.number, follower_ref(conversation.openid))
    return _reported(case, base_url=base_url)


def _reported(case: Case, *, base_url: str) -> str:
    return (
        "上报成功，感谢您的反映！\n"
        f"案卷编号：{case.number}\n"
        f"问题类别：{case.category.name}（根据描述自动判断，受理时会核实）\n"
        f"查询进度：回复“查询 {case.number}”，或打开下面的链接（可评价办理结果，请勿转发）：\n"
        f"{tracking_url(base_url=base_url, number=case.number, token=case.tracking_token)}"
    )
