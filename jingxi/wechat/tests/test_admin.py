"""The admin shows conversations and pending photos, read-only."""

from __future__ import annotations

from django.test import Client

from jingxi.org.tests.factories import UserFactory
from jingxi.wechat.models import Conversation

from .conftest import FOLLOWER, Send, text


def test_conversations_are_read_only_in_the_admin(send: Send) -> None:
    send(text("上报"))
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    conversation = Conversation.objects.get()
    listing = client.get("/admin/wechat/conversation/")
    assert listing.status_code == 200
    assert FOLLOWER in listing.content.decode()
    assert client.get("/admin/wechat/conversation/add/").status_code == 403
    page = client.get(f"/admin/wechat/conversation/{conversation.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.get("/admin/wechat/pendingmedia/").status_code == 200
