"""Citizens' photos from WeChat: fetched in the background and stored as evidence.

The dialogue keeps a photo as a `PendingMedia` row (WeChat's MediaId). `media_fetch_due`,
run every minute by a huey job, takes the rows that are due one at a time: it claims
the row (one attempt more, held for `LEASE`), downloads the file through WeChat's API
(`client.media_download`), checks by content that it is a photo
(`photos.checks.photo_check`) and stores it on the case as a before-photo through
`cases.evidence.attachment_store`, linked to the case's report event, as the public
site stores a citizen's photos. A failure is recorded on the row and tried again after
a doubling delay; after `MAX_ATTEMPTS` tries, or at once when trying again cannot help
(an expired MediaId, a file that is not a photo), the row is given up with its error.

Without the AppID and AppSecret nothing is fetched, and the job says so in its log.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Final, Literal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from jingxi.cases.evidence import attachment_store
from jingxi.cases.models import Attachment, AttachmentKind
from jingxi.photos.checks import Photo, PhotoError, max_photo_bytes, photo_check
from jingxi.wechat.client import ApiConfig, WeChatApiError, api_config, media_download
from jingxi.wechat.models import PendingMedia

logger = logging.getLogger(__name__)

MAX_ATTEMPTS: Final = 8  # 1+2+4+…+60 minutes: about four hours, within WeChat's 3 days
BACKOFF_FIRST: Final = dt.timedelta(minutes=1)
BACKOFF_MAX: Final = dt.timedelta(hours=1)
# A claimed row is not taken by another worker for this long (a try takes seconds;
# a worker that died mid-try leaves its row to be tried again after this).
LEASE: Final = dt.timedelta(minutes=10)
BATCH: Final = 20
MAX_ERROR_CHARS: Final = 1000

Outcome = Literal["fetched", "retrying", "gave_up"]


@dataclass(frozen=True)
class FetchReport:
    """What one run did: photos stored, tries to repeat later, rows given up."""

    fetched: int = 0
    retrying: int = 0
    gave_up: int = 0
    configured: bool = True


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th failed try: 1, 2, 4 … minutes, at most an hour."""
    return min(BACKOFF_FIRST * (1 << min(max(attempts - 1, 0), 16)), BACKOFF_MAX)


def _due(now: dt.datetime) -> QuerySet[PendingMedia]:
    return PendingMedia.objects.filter(
        fetched_at__isnull=True, failed_at__isnull=True, next_attempt_at__lte=now
    )


def media_claim(*, now: dt.datetime) -> PendingMedia | None:
    """The next due row, claimed: one attempt more and held for LEASE. None when none."""
    with transaction.atomic():
        pk = (
            _due(now)
            .select_for_update(skip_locked=True)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)
            .first()
        )
        if pk is None:
            return None
        PendingMedia.objects.filter(pk=pk).update(
            attempts=F("attempts") + 1, next_attempt_at=now + LEASE
        )
    return PendingMedia.objects.select_related("case__jurisdiction").get(pk=pk)


def media_fetch_due(*, now: dt.datetime | None = None, limit: int = BATCH) -> FetchReport:
    """Fetch up to `limit` due photos; what was done. Nothing without the AppSecret."""
    now = now or timezone.now()
    try:
        config = api_config()
    except WeChatApiError as exc:
        logger.error("wechat: photos not fetched: %s", exc)
        return FetchReport(configured=False)
    if config is None:
        waiting = _due(now).count()
        log = logger.warning if waiting else logger.info
        log(
            "wechat: %d photo(s) waiting; JINGXI_WECHAT_APP_ID or JINGXI_WECHAT_APP_SECRET "
            "is not set, so nothing is fetched",
            waiting,
        )
        return FetchReport(configured=False)
    fetched = retrying = gave_up = 0
    for _ in range(limit):
        media = media_claim(now=now)
        if media is None:
            break
        outcome = media_fetch(media=media, config=config, now=now)
        fetched += outcome == "fetched"
        retrying += outcome == "retrying"
        gave_up += outcome == "gave_up"
    return FetchReport(fetched=fetched, retrying=retrying, gave_up=gave_up)


def media_fetch(*, media: PendingMedia, config: ApiConfig, now: dt.datetime) -> Outcome:
    """Download, check and store one claimed photo; "fetched", "retrying" or "gave_up"."""
    try:
        if not media.media_id:
            raise WeChatApiError("没有 MediaId，无法获取", permanent=True)
        data = media_download(config=config, media_id=media.media_id, limit=max_photo_bytes())
        photo = photo_check(data=data, tz=ZoneInfo(media.case.jurisdiction.time_zone))
    except PhotoError as exc:
        return _media_failed(media=media, error=str(exc), permanent=True, now=now)
    except WeChatApiError as exc:
        return _media_failed(media=media, error=str(exc), permanent=exc.permanent, now=now)
    _media_store(media=media, photo=photo, now=now)
    return "fetched"


def _media_store(*, media: PendingMedia, photo: Photo, now: dt.datetime) -> None:
    with transaction.atomic():
        locked = (
            PendingMedia.objects.select_for_update()
            .select_related("case__jurisdiction")
            .get(pk=media.pk)
        )
        if locked.fetched_at is not None:  # another worker finished it after our lease ran out
            return
        case = locked.case
        attachment = Attachment.objects.filter(case=case, sha256=photo.sha256).first()
        if attachment is None:
            attachment = attachment_store(
                case=case,
                photo=photo,
                kind=AttachmentKind.BEFORE,
                uploaded_by=None,
                event=case.events.order_by("id").first(),
                now=now,
            )
        locked.attachment = attachment
        locked.fetched_at = now
        locked.last_error = ""
        locked.save(update_fields=["attachment", "fetched_at", "last_error"])
    logger.info(
        "wechat: photo %s of case %s stored (attempt %d)", media.pk, case.number, media.attempts
    )


def _media_failed(*, media: PendingMedia, error: str, permanent: bool, now: dt.datetime) -> Outcome:
    give_up = permanent or media.attempts >= MAX_ATTEMPTS
    PendingMedia.objects.filter(pk=media.pk, fetched_at__isnull=True).update(
        last_error=error[:MAX_ERROR_CHARS],
        next_attempt_at=now + backoff(media.attempts),
        failed_at=now if give_up else None,
    )
    if give_up:
        logger.error(
            "wechat: photo %s of case %s given up after %d attempt(s): %s",
            media.pk,
            media.case.number,
            media.attempts,
            error,
        )
        return "gave_up"
    logger.warning(
        "wechat: photo %s of case %s failed (attempt %d of %d), again in %s: %s",
        media.pk,
        media.case.number,
        media.attempts,
        MAX_ATTEMPTS,
        backoff(media.attempts),
        error,
    )
    return "retrying"
