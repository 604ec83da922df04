"""National data flows: SIUSS (PS/PSA/SINA, SINBA) and their outcomes."""

from django.db import models  # noqa: F401
