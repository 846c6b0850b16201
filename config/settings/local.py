"""Development on one machine: `make run`. SQLite and in-process jobs unless the environment says otherwise."""

from .base import *  # noqa: F403
from .base import env

# Off unless asked for (DEBUG=1): Django's debug pages print settings, local variables and
# whatever PHI a page held; errors are in the console log and 404/500 use our templates.
DEBUG = env.bool("DEBUG", default=False)
# A development-only key; production refuses to start without its own.
SECRET_KEY = env("SECRET_KEY", default="local-development-only-not-a-secret-0b9d6c2e")
