"""Screenshots of each role's home page, for the README's gallery.

Against a running server with the demo county (`make run` serves http://127.0.0.1:8000),
log in as each role's demo login with Playwright on Debian's Chromium and save its home
page as docs/screenshots/home-<role>.png: desktop 1280 px wide, and the handler's also
at 390 × 844 (a phone). Each file is overwritten, so running it again after the demo or
the pages change gives the same set; PNGs are quantised to 256 colours to stay small.

    .venv/bin/python scripts/screenshots.py [--base http://127.0.0.1:8000] [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import io
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from jingxi.demo.plan import DEMO_PASSWORD  # after the path is set

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ViewportSize

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run"]
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}


@dataclass(frozen=True)
class Shot:
    name: str  # docs/screenshots/home-<name>.png
    username: str  # the demo login (jingxi/demo/logins.py)
    phone: bool = False


SHOTS = (
    Shot("dispatcher", "dispatcher"),
    Shot("handler", "handler"),
    Shot("handler-phone", "handler", phone=True),
    Shot("unit-head", "head"),
    Shot("inspector", "inspector"),
    Shot("road-chief", "roadchief"),
    Shot("leader", "leader"),
)


def wait_for_server(base: str, seconds: float) -> None:
    """Until the login page answers, or exit with a message."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"{base}/accounts/login/", timeout=5) as answer:  # noqa: S310 our own server
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            sys.exit(f"no server at {base} (start it with `make run`)")
        time.sleep(1)


def small_png(png: bytes) -> bytes:
    """The screenshot quantised to 256 colours (pngquant's idea, with Pillow)."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    out = io.BytesIO()
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(out, "PNG", optimize=True)
    return out.getvalue()


def shoot(browser: Browser, *, base: str, shot: Shot, password: str, out: Path) -> Path:
    context = browser.new_context(
        viewport=PHONE if shot.phone else DESKTOP,
        device_scale_factor=1,
        locale="zh-CN",
        is_mobile=shot.phone,
        has_touch=shot.phone,
    )
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(f"{base}/accounts/login/")
        page.fill("input[name=username]", shot.username)
        page.fill("input[name=password]", password)
        page.click("form.login__form button[type=submit]")
        page.wait_for_url(f"{base}/", timeout=30_000)
        page.wait_for_selector(".homesec")
        page.wait_for_load_state("networkidle")
        # No caret or hover state in the picture.
        page.mouse.move(0, 0)
        page.evaluate("() => document.activeElement && document.activeElement.blur()")
        path = out / f"home-{shot.name}.png"
        path.write_bytes(small_png(page.screenshot(full_page=True, animations="disabled")))
        return path
    finally:
        context.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000", help="the running server")
    parser.add_argument("--out", default="docs/screenshots", type=Path)
    parser.add_argument("--password", default=DEMO_PASSWORD, help="the demo logins' password")
    parser.add_argument("--wait", type=float, default=30, help="seconds to wait for the server")
    args = parser.parse_args(argv)
    base = args.base.rstrip("/")
    if not CHROMIUM.exists():
        sys.exit(f"{CHROMIUM} is missing: install Debian's chromium")
    from playwright.sync_api import sync_playwright

    wait_for_server(base, args.wait)
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for shot in SHOTS:
                path = shoot(browser, base=base, shot=shot, password=args.password, out=args.out)
                print(f"{path}  {path.stat().st_size // 1024} KiB")
        finally:
            browser.close()


if __name__ == "__main__":
    main()
