"""Financial years, budget versions, cost centres, costs, overhead and the riparto."""

from django.db import models  # noqa: F401
