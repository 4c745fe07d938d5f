"""What the projects app's models share."""

from django.db import models

YEAR_RANGE = models.Q(year__gte=2000, year__lte=2100)
