"""Factories for the zone's shared records, used by every app's tests."""

import factory

from devzone.models import Area, Community
from devzone.validators import id_check_character


def id_number_from(birth, seq):
    """Return a valid, invented 丹阳 ID number for a birth date and a 3-digit sequence."""
    first17 = f"321181{birth:%Y%m%d}{seq % 1000:03d}"
    return first17 + id_check_character(first17)


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"测试村{n}")
    kind = Community.Kind.VILLAGE


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"测试片区{n}")
