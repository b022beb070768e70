"""Models of the public app: citizens' feedback on closed cases, reopen requests,
and (in models_portal) the disclosure portal's models."""

from jingxi.public.models_portal import *  # noqa: F403
