from django.test import Client
from django.urls import reverse

from conftest import Cast


def test_chinese_is_the_default_even_for_an_english_browser(cast: Cast) -> None:
    client = Client(headers={"Accept-Language": "en-US,en;q=0.9"})
    client.force_login(cast.dispatcher)
    response = client.get(reverse("web:home"))
    assert response.headers["Content-Language"] == "zh-hans"
    assert "工作台" in response.content.decode()


def test_the_switch_chooses_english(cast: Cast) -> None:
    client = Client()
    client.force_login(cast.dispatcher)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("web:home"))
    assert response.headers["Content-Language"] == "en"
