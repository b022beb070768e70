"""Bulletins (通报 / 公告): storage, numbering and publishing; `public` shows them."""
