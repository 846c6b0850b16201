"""Development on one machine: `make run`. SQLite and in-process jobs unless the environment says otherwise."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
# A development-only key; production refuses to start without its own.
SECRET_KEY = env("SECRET_KEY", default="local-development-only-not-a-secret-0b9d6c2e")
