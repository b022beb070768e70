"""Reading a GeoJSON FeatureCollection for an import, and writing what it plans.

`features_read` parses the file (UTF-8 JSON, a FeatureCollection of Features) or raises
`ImportRejected` for the whole file; a `Feature` reads its typed properties and raises
`FeatureInvalid` naming the property. `import_run` is the shape every importer in
`places/imports.py` shares: parse every feature, reject the file listing each bad one
("第N个要素"), else create and update in one transaction (skipping rows the file leaves
as they are) and bump the jurisdiction's geo version.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, Final, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from jingxi.lib.tabular import ImportRejected, RowError
from jingxi.org.imports import ImportSummary, choice_options, choice_value
from jingxi.org.models import Jurisdiction, Unit
from jingxi.places.geometry import GeometryInvalid
from jingxi.places.services import geo_version_bump

GeoSource = bytes | str | IO[bytes] | IO[str]

BATCH: Final = 2000

M = TypeVar("M", bound=models.Model)


class FeatureInvalid(ValueError):
    def __init__(self, message: str, *, prop: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.prop = prop


def geometry_clean(geometry: Mapping[str, Any]) -> dict[str, Any]:
    return {"type": geometry["type"], "coordinates": geometry["coordinates"]}


# --- reading ----------------------------------------------------------------


def file_error(message: str) -> ImportRejected:
    return ImportRejected([RowError(None, None, message)])


def _load(source: GeoSource) -> list[dict[str, Any]]:
    """The features of a FeatureCollection, or ImportRejected for the whole file."""
    raw: bytes | str = source if isinstance(source, bytes | str) else source.read()
    try:
        if isinstance(raw, bytes):
            raw = raw.decode("utf-8-sig")
        data = json.loads(raw)
    except UnicodeDecodeError as exc:
        raise file_error(_("文件不是 UTF-8 编码的文本：%(e)s") % {"e": exc}) from exc
    except json.JSONDecodeError as exc:
        raise file_error(
            _("文件不是有效的 JSON（第%(line)d行第%(col)d列）：%(msg)s")
            % {"line": exc.lineno, "col": exc.colno, "msg": exc.msg}
        ) from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise file_error(_("文件不是 GeoJSON FeatureCollection"))
    features = data.get("features")
    if not isinstance(features, list):
        raise file_error(_("FeatureCollection 缺少 features 列表"))
    if not features:
        raise file_error(_("文件中没有要素"))
    return features


@dataclass
class Feature:
    index: int
    properties: dict[str, Any]
    geometry: Any

    def text(self, key: str, *, required: bool = False, max_length: int | None = None) -> str:
        value = self.properties.get(key)
        if value is None:
            text = ""
        elif isinstance(value, str):
            text = value.strip()
        elif isinstance(value, bool):
            raise FeatureInvalid(_("应为文本"), prop=key)
        elif isinstance(value, int | float):
            text = str(int(value)) if float(value).is_integer() else str(value)
        else:
            raise FeatureInvalid(_("应为文本"), prop=key)
        if required and not text:
            raise FeatureInvalid(_("不能为空"), prop=key)
        if max_length is not None and len(text) > max_length:
            raise FeatureInvalid(
                _("过长（最多%(n)d个字符）") % {"n": max_length},
                prop=key,
            )
        return text

    def integer(self, key: str, *, required: bool = False) -> int | None:
        value = self.properties.get(key)
        if value is None or value == "":
            if required:
                raise FeatureInvalid(_("不能为空"), prop=key)
            return None
        if isinstance(value, bool):
            raise FeatureInvalid(_("应为非负整数"), prop=key)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if not isinstance(value, int) or value < 0:
            raise FeatureInvalid(_("应为非负整数"), prop=key)
        return value

    def date(self, key: str) -> dt.date | None:
        text = self.text(key)
        if not text:
            return None
        try:
            return dt.date.fromisoformat(text[:10])
        except ValueError as exc:
            raise FeatureInvalid(_("日期格式应为 YYYY-MM-DD"), prop=key) from exc

    def choice(self, key: str, choices: type[models.TextChoices], default: str) -> str:
        return choice_parse(self.text(key), choices, default=default, prop=key)

    def code(self, key: str, *, digits: int, prefix: str, prefix_label: str) -> str:
        code = self.text(key, required=True)
        if not (code.isdigit() and code.isascii() and len(code) == digits):
            raise FeatureInvalid(
                _("编码「%(code)s」应为%(n)d位数字") % {"code": code, "n": digits}, prop=key
            )
        if not code.startswith(prefix):
            raise FeatureInvalid(
                _("编码「%(code)s」应以%(label)s的编码「%(prefix)s」开头")
                % {"code": code, "label": prefix_label, "prefix": prefix},
                prop=key,
            )
        return code


def choice_parse(
    text: str, choices: type[models.TextChoices], *, default: str, prop: str | None = None
) -> str:
    """A choice value from its value or its Chinese label; `default` when empty."""
    if not text:
        return default
    value = choice_value(text, choices)
    if value is None:
        raise FeatureInvalid(
            _("「%(text)s」不是可选值（%(options)s）")
            % {"text": text, "options": choice_options(choices)},
            prop=prop,
        )
    return value


def feature_error(feature_index: int, exc: FeatureInvalid | GeometryInvalid) -> RowError:
    where = _("第%(n)d个要素") % {"n": feature_index}
    prop = exc.prop if isinstance(exc, FeatureInvalid) else "geometry"
    if prop:
        where += f"「{prop}」"
    message = exc.message if isinstance(exc, FeatureInvalid) else str(exc)
    return RowError(None, None, f"{where}：{message}")


def features_read(source: GeoSource) -> list[Feature]:
    features: list[Feature] = []
    errors: list[RowError] = []
    for index, raw in enumerate(_load(source), start=1):
        if not isinstance(raw, dict) or raw.get("type") != "Feature":
            errors.append(feature_error(index, FeatureInvalid(_("不是 GeoJSON Feature"))))
            continue
        properties = raw.get("properties") or {}
        if not isinstance(properties, dict):
            errors.append(
                feature_error(index, FeatureInvalid(_("properties 应为对象"), prop="properties"))
            )
            continue
        features.append(Feature(index, properties, raw.get("geometry")))
    if errors:
        raise ImportRejected(errors)
    return features


def fields_check(instance: models.Model, *, exclude: Sequence[str]) -> None:
    """Field-level validation (lengths, choices, patterns) without database queries."""
    try:
        instance.clean_fields(exclude=list(exclude))
    except ValidationError as exc:
        name, messages = next(iter(exc.message_dict.items()))
        raise FeatureInvalid("；".join(messages), prop=name) from exc


def _snapshot(instance: models.Model) -> tuple[Any, ...]:
    return tuple(getattr(instance, f.attname) for f in instance._meta.concrete_fields)


def row_remember(instance: M) -> M:
    """Note a stored row's values, so an import can skip rows the file leaves as they are."""
    instance._import_original = _snapshot(instance)  # type: ignore[attr-defined]  # a private mark
    return instance


def row_unchanged(instance: models.Model) -> bool:
    return bool(getattr(instance, "_import_original", None) == _snapshot(instance))


def rows_update_changed(instances: Sequence[models.Model]) -> None:
    """Write only the columns each row changes: one UPDATE per row.

    Faster than `bulk_update` for this shape of work (its CASE expressions grow with
    rows x fields), and a re-import that changes one column writes one column.
    """
    for instance in instances:
        original = instance._import_original  # type: ignore[attr-defined]  # set by row_remember
        fields = instance._meta.concrete_fields
        changes = {
            f.attname: getattr(instance, f.attname)
            for f, old in zip(fields, original, strict=True)
            if getattr(instance, f.attname) != old
        }
        type(instance)._default_manager.filter(pk=instance.pk).update(**changes)


@dataclass
class _Plan:
    """What an import will write once every feature has passed."""

    kind: str
    create: list[models.Model] = field(default_factory=list)
    update: list[models.Model] = field(default_factory=list)
    unchanged: int = 0

    def add(self, instance: models.Model) -> None:
        if not instance.pk:
            self.create.append(instance)
        elif row_unchanged(instance):
            self.unchanged += 1
        else:
            self.update.append(instance)


def import_run(
    *,
    jurisdiction: Jurisdiction,
    source: GeoSource,
    kind: str,
    parse: Callable[[Feature], models.Model | None],
    before: Callable[[list[Feature]], None] | None = None,
) -> ImportSummary:
    features = features_read(source)
    if before is not None:
        before(features)
    plan = _Plan(kind)
    errors: list[RowError] = []
    for feature in features:
        try:
            instance = parse(feature)
        except (FeatureInvalid, GeometryInvalid) as exc:
            errors.append(feature_error(feature.index, exc))
            continue
        if instance is not None:
            plan.add(instance)
    if errors:
        raise ImportRejected(errors)
    summary = ImportSummary(
        kind=kind, created=len(plan.create), updated=len(plan.update), unchanged=plan.unchanged
    )
    if not plan.create and not plan.update:
        return summary
    model = type(plan.create[0] if plan.create else plan.update[0])
    try:
        with transaction.atomic():
            model._default_manager.bulk_create(plan.create, batch_size=BATCH)
            if plan.update:
                rows_update_changed(plan.update)
            geo_version_bump(jurisdiction=jurisdiction)
    except IntegrityError as exc:
        raise file_error(_("数据库拒绝写入，未导入任何数据：%(e)s") % {"e": exc}) from exc
    return summary


class Seen:
    """Keys already met in this file, to reject duplicates naming the first one."""

    def __init__(self) -> None:
        self._first: dict[object, int] = {}

    def check(self, key: object, index: int, *, label: str, prop: str) -> None:
        first = self._first.setdefault(key, index)
        if first != index:
            raise FeatureInvalid(
                _("%(label)s与第%(n)d个要素重复") % {"label": label, "n": first}, prop=prop
            )


def units_by_code(jurisdiction: Jurisdiction) -> dict[str, Unit]:
    return {u.code: u for u in Unit.objects.filter(jurisdiction=jurisdiction)}


def feature_unit(feature: Feature, units: Mapping[str, Unit], key: str) -> Unit | None:
    code = feature.text(key)
    if not code:
        return None
    unit = units.get(code)
    if unit is None:
        raise FeatureInvalid(_("未知的单位编码「%(code)s」") % {"code": code}, prop=key)
    return unit


def rows_existing(model: type[M], key: str, values: Iterable[str]) -> dict[str, M]:
    found: dict[str, M] = {}
    wanted = sorted(set(values))
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        for obj in model._default_manager.filter(**{f"{key}__in": chunk}):
            found[str(getattr(obj, key))] = row_remember(obj)
    return found
