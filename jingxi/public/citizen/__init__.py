"""Citizen reporting (随手拍) and tracking by number: one part of the public app, with
the disclosure portal (models_portal.py, portal*.py) and bulletins (bulletin_*.py)."""
