"""Factories for the Open311 adapter: clients get their key from `api_client_create`,
requests their case from `open311_request_create`."""

from __future__ import annotations

from typing import Any

import factory

from jingxi.cases.tests.factories import centre_of
from jingxi.catalog.tests.factories import MinorCategoryFactory, ReportableCategoryFactory
from jingxi.open311.choices import Datatype
from jingxi.open311.models import ApiClient, Open311Request, ServiceAttribute
from jingxi.open311.services import RequestInput, api_client_create, open311_request_create
from jingxi.org.tests.factories import JurisdictionFactory
from jingxi.places.tests.factories import TownshipFactory


class ApiClientFactory(factory.django.DjangoModelFactory):
    """A client with a key (hashed; the key itself is not kept)."""

    class Meta:
        model = ApiClient

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    name = factory.Sequence(lambda n: f"测试客户端{n}")
    contact = "test@example.com"

    @classmethod
    def _create(cls, model_class: type[ApiClient], *args: Any, **kwargs: Any) -> ApiClient:
        client, _key = api_client_create(**kwargs)
        return client


class ServiceAttributeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceAttribute

    category = factory.SubFactory(MinorCategoryFactory)
    code = factory.Sequence(lambda n: f"attr{n}")
    datatype = Datatype.STRING
    description = "补充说明"


class Open311RequestFactory(factory.django.DjangoModelFactory):
    """A GeoReport v2 POST from a client, at the centre of a township."""

    class Meta:
        model = Open311Request

    class Params:
        township = factory.SubFactory(
            TownshipFactory, jurisdiction=factory.SelfAttribute("..client.jurisdiction")
        )
        category = factory.SubFactory(
            ReportableCategoryFactory, jurisdiction=factory.SelfAttribute("..client.jurisdiction")
        )

    client = factory.SubFactory(ApiClientFactory)
    data = factory.LazyAttribute(
        lambda o: RequestInput(
            category=o.category,
            lng=centre_of(o.township.geometry)[0],
            lat=centre_of(o.township.geometry)[1],
            description="井盖缺失，夜间行人容易踩空",
            email="citizen@example.com",
        )
    )

    @classmethod
    def _create(
        cls, model_class: type[Open311Request], *args: Any, **kwargs: Any
    ) -> Open311Request:
        case = open311_request_create(**kwargs)
        return case.open311_request
