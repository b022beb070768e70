"""The public app's models, by part: citizens' reports and tracking
(`citizen/models.py`), the disclosure portal (`models_portal.py`). Django reads an app's
models from this module."""

from jingxi.public.citizen.models import *  # noqa: F403
from jingxi.public.models_portal import *  # noqa: F403
