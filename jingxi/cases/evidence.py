"""Evidence photos of a case: who may add them, when, and where they are stored.

`attachment_add` (one photo) and `attachments_add` (several: all or none) are the only
door; `case_transition_with_photos` takes an action and stores its photos on the event
it wrote, in one transaction. The photo itself is checked by `jingxi.photos` (read up
to `JINGXI_MAX_PHOTO_BYTES`, identified by content, decoded, hashed, EXIF time and GPS
position read); this module adds what is particular to a case: the warnings measured
against the case's place and the upload time, the same photo already used on another
case of the jurisdiction (anti-fraud), and the case's rules on who and when. Nothing
is written until every check of every photo has passed; the original is stored byte
for byte, named by its sha256, next to a JPEG thumbnail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Final
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jingxi.cases import workflow
from jingxi.cases.choices import Action, Status
from jingxi.cases.models import Attachment, AttachmentKind, Case, CaseEvent
from jingxi.cases.queues import PHOTO_KIND
from jingxi.cases.selectors import WARNING_TEXT
from jingxi.cases.services import case_transition
from jingxi.lib.limits import size_text as size_text  # re-exported: its callers read it here
from jingxi.org.models import Unit, User
from jingxi.org.roles import Perm, roles_for
from jingxi.photos.checks import Photo, PhotoError, photo_check, photo_read, photo_warnings
from jingxi.photos.checks import max_photo_bytes as max_photo_bytes  # the case doors' limit
from jingxi.photos.checks import too_large_message as too_large_message
from jingxi.photos.selectors import photo_duplicates

# The refusals of the photo checks and of the case rules below are one error to callers.
EvidenceError = PhotoError

# How long after closing a case its closer may still add photos to the closing step.
CLOSING_PHOTO_WINDOW: Final = dt.timedelta(hours=1)


# --- warnings -----------------------------------------------------------------------


def _warning(code: str, **figures: Any) -> dict[str, Any]:
    # The Chinese sentence of the moment, kept beside the figures for readers that
    # do not render codes (exports, the admin).
    return {"code": code, **figures, "message": WARNING_TEXT[code] % figures}


def photo_warnings_for_case(
    *, photo: Photo, case: Case, now: dt.datetime, tz: ZoneInfo
) -> list[dict[str, Any]]:
    """What looks wrong about this photo for this case (shown, never blocking): taken
    far from the case or long before or after `now`, or already used on another case."""
    found = [
        _warning(str(w.pop("code")), **w)
        for w in photo_warnings(photo=photo, lng=case.lng, lat=case.lat, at=now, tz=tz)
    ]
    others = Attachment.objects.filter(case__jurisdiction_id=case.jurisdiction_id).exclude(
        case=case
    )
    for number in photo_duplicates(sha256=photo.sha256, scope=others, label="case__number"):
        found.append(_warning("duplicate", case_number=number))
    return found


# --- permission and storage ---------------------------------------------------------


def attachment_can_add(*, case: Case, actor: User) -> bool:
    """Dispatchers and inspectors of the jurisdiction, the case unit's staff, the reporter."""
    if case.reporter_id is not None and case.reporter_id == actor.pk:
        return True
    roles = roles_for(user=actor, jurisdiction_id=case.jurisdiction_id)
    return roles.may(Perm.EVIDENCE_ADD) or (
        case.unit_id is not None and case.unit_id in roles.unit_ids()
    )


def _store(name: str, data: bytes) -> tuple[str, bool]:
    """Save under `name` unless that content is already there; (name, newly written)."""
    if default_storage.exists(name):
        return name, False
    return default_storage.save(name, ContentFile(data)), True


def attachment_add(
    *,
    case: Case,
    file: File[Any] | bytes,
    kind: str,
    actor: User,
    name: str = "",
    event: CaseEvent | None = None,
    now: dt.datetime | None = None,
) -> Attachment:
    """Check, fingerprint and store one evidence photo of the case.

    `file` is an uploaded file or the raw bytes (`name` is then only for messages; it
    is never used to decide the type or to name the stored file). Raises
    PermissionDenied or EvidenceError; nothing is stored on error.
    """
    del name  # never trusted: the type comes from the content, the stored name from sha256
    return attachments_add(case=case, files=[file], kind=kind, actor=actor, event=event, now=now)[0]


def attachments_add(
    *,
    case: Case,
    files: Sequence[File[Any] | bytes],
    kind: str,
    actor: User,
    event: CaseEvent | None = None,
    now: dt.datetime | None = None,
) -> list[Attachment]:
    """Check every photo, then store them all: one bad photo stores none of them.

    A closed case takes no more photos, except those of the event that closed it, added
    by the one who closed it within `CLOSING_PHOTO_WINDOW` (see `_closing_event`).
    Raises PermissionDenied or EvidenceError, like `attachment_add`.
    """
    now = now or timezone.now()
    if not attachment_can_add(case=case, actor=actor):
        raise PermissionDenied(_("只有派遣员、督导员、责任单位人员或上报人可以为该案卷上传照片"))
    if kind not in AttachmentKind.values:
        raise EvidenceError(_("未知的照片类型：%(kind)s") % {"kind": kind})
    if event is not None and event.case_id != case.pk:
        raise EvidenceError(_("该环节不属于这个案卷"))
    if case.status in workflow.ENDED_WITHOUT_CASE or (
        case.status in workflow.CLOSED
        and not _closing_event(case=case, event=event, actor=actor, now=now)
    ):
        raise EvidenceError(_("案卷已办结，不能再添加照片"))
    tz = ZoneInfo(case.jurisdiction.time_zone)
    photos: list[Photo] = []
    for file in files:
        photo = photo_check(data=photo_read(file), tz=tz)
        if any(p.sha256 == photo.sha256 for p in photos) or (
            Attachment.objects.filter(case=case, sha256=photo.sha256).exists()
        ):
            raise EvidenceError(_("这张照片已经上传到本案卷，不能重复上传"))
        photos.append(photo)
    with transaction.atomic():
        return [
            attachment_store(
                case=case, photo=photo, kind=kind, uploaded_by=actor, event=event, now=now
            )
            for photo in photos
        ]


def _closing_event(*, case: Case, event: CaseEvent | None, actor: User, now: dt.datetime) -> bool:
    """Whether `event` is the step that closed the case, by `actor`, a moment ago.

    It must close (to closed from another status), be the case's latest event and be
    recent: so the after-photos of a verification or a self-handling land on the step
    that closed the case, in the same transaction (the case page) or just after it (the
    REST API's separate upload), and a closed case's evidence stays fixed after that.
    """
    return (
        event is not None
        and event.to_status == Status.CLOSED
        and event.from_status != Status.CLOSED
        and event.actor_id == actor.pk
        and now - event.at <= CLOSING_PHOTO_WINDOW
        and not CaseEvent.objects.filter(case_id=case.pk, pk__gt=event.pk).exists()
    )


def case_transition_with_photos(
    *,
    case_id: int,
    action: Action,
    actor: User,
    photos: Sequence[File[Any] | bytes],
    note: str = "",
    unit: Unit | None = None,
    merge_into: Case | None = None,
    extension_hours: Decimal | int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Take one action and attach its photos to the event it wrote, in one transaction.

    Photos of an action that closes the case (verify pass, self-handle) land on the
    closing event too. A photo that is refused rolls the action back: nothing changes.
    """
    with transaction.atomic():
        case = case_transition(
            case_id=case_id,
            action=action,
            actor=actor,
            note=note,
            unit=unit,
            merge_into=merge_into,
            extension_hours=extension_hours,
            now=now,
        )
        if photos:
            # case_transition holds the case's row lock until this transaction ends, so
            # its event is still the latest.
            event = case.events.order_by("-id").first()
            attachments_add(
                case=case,
                files=photos,
                kind=PHOTO_KIND.get(action, AttachmentKind.OTHER),
                actor=actor,
                event=event,
                now=now,
            )
    return case


def attachment_store(
    *,
    case: Case,
    photo: Photo,
    kind: str,
    uploaded_by: User | None,
    event: CaseEvent | None = None,
    now: dt.datetime | None = None,
) -> Attachment:
    """Store an already checked photo (`photo_check`) of the case: the one write path.

    Callers check who may add: `attachment_add` for staff, the public site for a
    citizen's own new report (`uploaded_by` is then None). Files are named by sha256;
    the anti-fraud warnings are computed here. Newly written files are removed again
    if the row cannot be saved.
    """
    now = now or timezone.now()
    found = photo_warnings_for_case(
        photo=photo, case=case, now=now, tz=ZoneInfo(case.jurisdiction.time_zone)
    )
    shard = photo.sha256[:2]
    written: list[str] = []
    try:
        original, new = _store(f"cases/photos/{shard}/{photo.sha256}{photo.extension}", photo.data)
        if new:
            written.append(original)
        thumb, new = _store(f"cases/thumbs/{shard}/{photo.sha256}.jpg", photo.thumbnail)
        if new:
            written.append(thumb)
        with transaction.atomic():
            attachment = Attachment(
                case=case,
                event=event,
                kind=kind,
                sha256=photo.sha256,
                content_type=photo.content_type,
                size=len(photo.data),
                width=photo.width,
                height=photo.height,
                taken_at=photo.taken_at,
                exif_lng=photo.lng,
                exif_lat=photo.lat,
                warnings=found,
                uploaded_by=uploaded_by,
                uploaded_at=now,
            )
            attachment.file.name = original
            attachment.thumbnail.name = thumb
            attachment.save()
    except BaseException:
        for stored in written:
            default_storage.delete(stored)
        raise
    return attachment
