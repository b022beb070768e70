"""The one table of document numbers: the last serial per jurisdiction, kind and year."""

from __future__ import annotations

from django.db import models

from jingxi.org.models import Jurisdiction


class DocumentCounter(models.Model):
    """The last serial of a numbered document kind per jurisdiction and year.

    Only `numbering.number_next` writes it. The kind is a key of `registry` (e.g.
    "notice", "supervision"); numbers are gapless within a year and never reused.
    """

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.CASCADE)
    kind = models.CharField(max_length=16)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "kind", "year"], name="documentcounter_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.year} #{self.last}"
