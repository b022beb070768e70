"""The public app's models, by part: citizens' reports and tracking
(`citizen/models.py`), the disclosure portal (`portal/models.py`). Django reads an app's
models from this module."""

from jingxi.public.citizen.models import *  # noqa: F403
from jingxi.public.portal.models import *  # noqa: F403
