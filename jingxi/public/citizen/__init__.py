"""Citizen reporting (随手拍) and tracking by number: one part of the public app, with
the disclosure portal (portal/models.py, portal*.py) and bulletins (bulletin_*.py)."""
