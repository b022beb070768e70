"""Masking of personal data (个人信息保护法): the one rule, for every surface.

Who sees what:

- Citizens' names and phones (a case's reporter, a hotline caller, a suggestion's
  contact, a commenter's name) are shown as stored only to a viewer whose roles grant
  `Perm.CONTACTS` (`org.roles`), masked to every other staff role, and never shown on a
  public surface (public pages, Open311, WeChat replies).
- Personal data inside free text (descriptions, addresses, notes, comments,
  suggestions, call summaries, documents' requirements) is masked for every viewer
  without `Perm.CONTACTS`, and always on public surfaces and in notifications (copies
  that leave the platform by e-mail, SMS or WeChat): mainland resident ID numbers,
  mobile numbers, landlines with an area code, e-mail addresses, and the names and
  phones the platform knows belong to the record (its reporter's, its caller's).

The decision "this viewer sees it unmasked" is taken in one function,
`contacts_visible`; surfaces get a `Masking` from `masking_for` (staff) or use `PUBLIC`
(public surfaces) and `MASKED` (notifications), and apply its `name`, `phone` and
`text`. Templates use the filters of `templatetags/jingxi_privacy.py`.

What free text is recognised, and what is left alone on purpose:

- 18-character resident ID numbers (GB 11643-1999): 6-digit region code of a province
  that exists, a birth date from 1900 to today, a 3-digit serial and the ISO 7064
  MOD 11-2 check character. 18-digit strings with a wrong check character are not
  masked: a random 18-digit code passes with odds of about 1 in 11 before the region
  and date tests, which leave about 1 in 200.
- 15-digit ID numbers (the pre-1999 form, no check digit) only after the words 身份证 or
  证件号: without them they cannot be told apart from grid codes (15 digits, region +
  township + community + serial, whose middle digits often read as a date).
- Mobiles: 1[3-9] and 9 more digits, whole (not inside a longer run of digits), written
  together or as 3-4-4 with spaces or dashes, with an optional +86, 0086 or 86 prefix.
- Landlines: 0 + a 2- or 3-digit area code (010, 02x, 0[3-9]xx), then a 7- or 8-digit
  local number starting 2-9, with a dash, a space, brackets round the area code or
  nothing between. A local number without its area code is not masked (it cannot be
  told from an amount or a serial).
- E-mail addresses.
- Case numbers (12 digits), grid codes (15), component ids (16), dates, times and money
  amounts are none of these and stay as they are (`test_privacy` proves it with
  generated inputs).
- Names in general cannot be recognised in Chinese text; only the record's own name
  and phone (given to `Masking.about`) are masked inside it, as written in its fields.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Final

from django.utils import timezone

from jingxi.org.roles import PERMISSIONS, Perm, RoleSet

# --- one function per kind ----------------------------------------------------------

_ID_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK: Final = "10X98765432"
#: The first two digits of a region code (provinces, the two SARs, Taiwan; 83: the
#: residence permits of Hong Kong, Macao and Taiwan residents).
_PROVINCES: Final = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46}
    | {50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83}
)


def _digits(text: str) -> str:
    """The digits (and an X) of `text`, in ASCII: full-width ones count, separators not."""
    return "".join(
        "X" if ch in "Xx" else ch for ch in text.translate(_FOLD) if ch in "0123456789Xx"
    )


def id_check_character(first17: str) -> str:
    """The GB 11643-1999 check character (ISO 7064 MOD 11-2) of 17 ASCII digits."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def _birth_date_plausible(year: int, month: int, day: int, *, today: dt.date) -> bool:
    try:
        born = dt.date(year, month, day)
    except ValueError:
        return False
    return dt.date(1900, 1, 1) <= born <= today


def id_number_valid(value: str, *, today: dt.date | None = None) -> bool:
    """Whether `value` is an 18-character resident ID number: a region of a province
    that exists, a plausible birth date and the right check character."""
    digits = _digits(value)
    if len(digits) != 18 or "X" in digits[:17]:
        return False
    if int(digits[:2]) not in _PROVINCES:
        return False
    today = today or timezone.localdate()
    if not _birth_date_plausible(
        int(digits[6:10]), int(digits[10:12]), int(digits[12:14]), today=today
    ):
        return False
    return id_check_character(digits[:17]) == digits[17]


def _old_id_number_plausible(digits: str) -> bool:
    """A 15-digit ID number (19YYMMDD birth date), once the words before it said so."""
    if len(digits) != 15 or int(digits[:2]) not in _PROVINCES:
        return False
    year, month, day = 1900 + int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    return _birth_date_plausible(year, month, day, today=timezone.localdate())


def mask_id_number(value: str) -> str:
    """'41012219900101123X' -> '4101**********123X' (15 digits: '4101*******0123')."""
    digits = _digits(value)
    if len(digits) < 9:
        return "*" * len(digits)
    return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]


def mask_mobile(value: str) -> str:
    """'13812341234' -> '138****1234'; a +86 / 0086 / 86 prefix is kept as written."""
    digits = _digits(value)
    if len(digits) < 11:
        return "*" * len(digits)
    national = digits[-11:]
    prefix = _MOBILE_PREFIX.match(value.strip().translate(_FOLD)) if len(digits) > 11 else None
    return f"{prefix[0] if prefix else ''}{national[:3]}****{national[-4:]}"


def mask_landline(value: str) -> str:
    """'0371-62100000' -> '0371-****0000': the area code stays, the local number keeps
    its last four digits."""
    match = _LANDLINE.fullmatch(value.strip().translate(_FOLD))
    if match is None:
        return _mask_other_phone(value)
    area = f"({match['area']})" if match["area"] else match["area_b"]
    local = match["local"]
    return f"{area}{match['sep']}{'*' * (len(local) - 4)}{local[-4:]}"


def _mask_other_phone(value: str) -> str:
    """A number of no known shape: only its last two digits stay."""
    digits = value.strip()
    if len(digits) > 4:
        return "*" * (len(digits) - 2) + digits[-2:]
    return "*" * len(digits)


def mask_phone(value: str) -> str:
    """A phone field, whatever it holds: a mobile, a landline, or another number."""
    value = value.strip()
    if not value:
        return ""
    folded = value.translate(_FOLD)
    if _MOBILE.fullmatch(folded):
        return mask_mobile(folded)
    if _LANDLINE.fullmatch(folded):
        return mask_landline(folded)
    return _mask_other_phone(value)


def mask_email(value: str) -> str:
    """'wang.xiaoming@example.com' -> 'w***@example.com'."""
    local, at, domain = value.partition("@")
    if not at:
        return "*" * len(value)
    return f"{local[:1]}***@{domain}"


def mask_name(name: str) -> str:
    """'王小明' -> '王*明', '王明' -> '王*', '欧阳小明' -> '欧**明', '王' -> '*'."""
    name = name.strip()
    if len(name) <= 1:
        return "*" * len(name)
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


# --- personal data inside free text -------------------------------------------------

_AREA = r"0(?:10|2[0-9]|[3-9][0-9]{2})"
_MOBILE_BODY = r"1[3-9][0-9](?:[ -]?[0-9]{4}){2}"
_MOBILE_PREFIX: Final = re.compile(r"(?:\+|00)?86[ -]?")
_MOBILE: Final = re.compile(rf"(?:{_MOBILE_PREFIX.pattern})?{_MOBILE_BODY}")
_LANDLINE: Final = re.compile(
    rf"(?:[(（](?P<area>{_AREA})[)）]|(?P<area_b>{_AREA}))(?P<sep>[ -]?)"
    r"(?P<local>[2-9][0-9]{6,7})"
)
# Full-width digits, letters and signs (a Chinese keyboard's) read as their ASCII selves,
# one character for one, so a match's place in the folded text is its place in the text
# as typed. Brackets and Chinese punctuation are not folded: the patterns take both.
_WIDE: Final = "".join(chr(c) for c in range(0xFF01, 0xFF5F) if chr(c) not in "（），：；！？")
_FOLD: Final = str.maketrans({wide: chr(ord(wide) - 0xFEE0) for wide in _WIDE} | {"\u3000": " "})
_FOLDABLE: Final = re.compile(f"[{re.escape(_WIDE)}\u3000]")
# One pass over the (folded) text; at each position the alternatives are tried in this
# order, once the lookahead saw a character one of them can start with. Every number is
# whole: never the middle of a longer run of digits.
_FREE_TEXT: Final = re.compile(
    r"(?=[0-9(（+身证A-Za-z._%-])(?:"
    r"(?P<kw>(?:身份证|证件)(?:号码|号)?[ :：是为]{0,3})"
    r"(?P<kwid>[0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9Xx])"
    r"|(?<![0-9])(?P<id>[0-9]{6} ?[0-9]{8} ?[0-9]{3}[0-9Xx])(?![0-9Xx])"
    rf"|(?<![0-9])(?P<mobile>(?:{_MOBILE_PREFIX.pattern})?{_MOBILE_BODY})(?![0-9])"
    rf"|(?<![0-9])(?P<landline>{_LANDLINE.pattern})(?![0-9])"
    r"|(?<![A-Za-z0-9._%+-])"
    r"(?P<email>[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})"
    r")"
)
# Text without a digit or an @ holds none of the above: many notes are skipped at once.
_CANDIDATE: Final = re.compile(r"[0-9@０-９＠]")


def _masked(match: re.Match[str]) -> tuple[int, str] | None:
    """Where the mask of one match of `_FREE_TEXT` starts, and the mask; None to leave
    the match as it is. Masks are written in ASCII (the folded text's characters)."""
    kind = match.lastgroup
    found = match[kind or 0]
    if kind == "kwid":  # the words before it stay as typed
        if len(found) == 18 or _old_id_number_plausible(found):
            return match.start(kind), mask_id_number(found)
        return None
    if kind == "id":
        return (match.start(), mask_id_number(found)) if id_number_valid(found) else None
    if kind == "mobile":
        return match.start(), mask_mobile(found)
    if kind == "landline":
        return match.start(), mask_landline(found)
    if kind == "email":
        return match.start(), mask_email(found)
    return None  # pragma: no cover  # every alternative is named


def mask_text(text: str, *, names: Iterable[str] = (), phones: Iterable[str] = ()) -> str:
    """`text` with ID numbers, mobiles, landlines and e-mail addresses masked, and the
    record's own `names` and `phones` (as written in its fields) wherever they appear."""
    if not text:
        return text
    for name in names:
        name = name.strip()
        if len(name) >= 2 and name in text:
            text = text.replace(name, mask_name(name))
    for phone in phones:
        phone = phone.strip()
        if len(phone) >= 5 and phone in text:
            text = text.replace(phone, mask_phone(phone))
    if _CANDIDATE.search(text) is None:
        return text
    parts: list[str] = []
    last = 0
    folded = text.translate(_FOLD) if _FOLDABLE.search(text) else text
    for match in _FREE_TEXT.finditer(folded):
        masked = _masked(match)
        if masked is not None:
            start, mask = masked
            parts.append(text[last:start])
            parts.append(mask)
            last = match.end()
    if not parts:
        return text
    parts.append(text[last:])
    return "".join(parts)


# --- who sees what ------------------------------------------------------------------


@dataclass(frozen=True)
class Masking:
    """How one viewer sees citizens' personal data on one surface.

    `contacts`: names, phones and free text as stored (the viewer holds `Perm.CONTACTS`).
    `public`: a public surface: names and phones are not shown at all.
    `names`, `phones`: the record's own citizen, masked inside its free text too.
    """

    contacts: bool
    public: bool = False
    names: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()

    def name(self, value: str) -> str:
        if self.public:
            return ""
        return value if self.contacts else mask_name(value)

    def phone(self, value: str) -> str:
        if self.public:
            return ""
        return value if self.contacts else mask_phone(value)

    def text(self, value: str) -> str:
        if self.contacts:
            return value
        return mask_text(value, names=self.names, phones=self.phones)

    def about(self, *, name: str = "", phone: str = "") -> Masking:
        """This masking, for a record whose citizen (reporter, caller, contact) is `name`
        with `phone`: those are masked inside its free text too, as they are written."""
        if self.contacts or not (name or phone):
            return self
        return Masking(
            contacts=False,
            public=self.public,
            names=(name,) if name else (),
            phones=(phone,) if phone else (),
        )

    def about_each(self, contacts: Iterable[tuple[str, str]]) -> Masking:
        """This masking, for a text about several citizens ((name, phone) pairs), such
        as a notice listing several cases."""
        if self.contacts:
            return self
        pairs = list(contacts)
        names = tuple(dict.fromkeys(name for name, _phone in pairs if name))
        phones = tuple(dict.fromkeys(phone for _name, phone in pairs if phone))
        if not (names or phones):
            return self
        return replace(self, names=names, phones=phones)


#: A viewer with `Perm.CONTACTS`: everything as stored.
UNMASKED: Final = Masking(contacts=True)
#: Staff without `Perm.CONTACTS`, and notifications: masked names, phones and free text.
MASKED: Final = Masking(contacts=False)
#: Public surfaces (public pages, Open311, WeChat): no names or phones, masked free text.
PUBLIC: Final = Masking(contacts=False, public=True)


class Surface(enum.StrEnum):
    """Where personal data is shown: named in the decision, for the audit trail."""

    CASE_PAGE = "case_page"  # the case page and the work queues
    CASE_EXPORT = "case_export"  # the case list as XLSX
    API = "api"  # the REST API
    DOCUMENT = "document"  # notices and supervision orders: pages, PDFs and API
    HOTLINE = "hotline"  # the hotline console, caller history and callback queue
    OFFICE = "office"  # the portal's office pages and the citizens' feedback page


def contacts_visible(*, roles: RoleSet | Iterable[str], viewer: object, surface: Surface) -> bool:
    """Whether `viewer`, holding `roles`, sees citizens' personal data unmasked on
    `surface`: the one decision, `Perm.CONTACTS`, taken here for every surface.

    `viewer` (the user) and `surface` say who saw what where: each answer "yes" is a view
    of unmasked personal data, which the view that shows the rows records with
    `jingxi.audit.requests.personal_data_shown` (it knows which rows held any).
    """
    if isinstance(roles, RoleSet):
        return roles.may(Perm.CONTACTS)
    return not PERMISSIONS[Perm.CONTACTS].isdisjoint(roles)


def masking_for(*, roles: RoleSet | Iterable[str], viewer: object, surface: Surface) -> Masking:
    """The masking a staff viewer gets on a surface (public surfaces use `PUBLIC`)."""
    return UNMASKED if contacts_visible(roles=roles, viewer=viewer, surface=surface) else MASKED
