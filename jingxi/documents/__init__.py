"""Numbered official documents shared by every app: numbering, issuing, signing, PDFs."""
