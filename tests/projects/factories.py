import datetime
from decimal import Decimal

import factory

from projects.models import (
    InvestmentDeal,
    KeyProject,
    RelocationHousehold,
    RelocationProject,
)
from tests.factories import AreaFactory, CommunityFactory, id_number_from

__all__ = ["AreaFactory", "CommunityFactory"]


def id_number(n, birth=datetime.date(1970, 1, 1)):
    """Return a valid, invented 丹阳 ID number, distinct for each n."""
    return id_number_from(birth + datetime.timedelta(days=n // 1000), n)


class KeyProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KeyProject

    name = factory.Sequence(lambda n: f"测试重点项目{n}")
    year = 2021
    category = KeyProject.Category.INDUSTRIAL
    list_level = KeyProject.ListLevel.DANYANG
    build_type = KeyProject.BuildType.NEW
    status = KeyProject.Status.BUILDING
    total_investment = Decimal(20000)
    investment_this_year = Decimal(5000)
    area = factory.SubFactory(AreaFactory)
    developer = "江苏测试科技有限公司"
    leader = "钱明远"
    started_on = datetime.date(2021, 3, 1)


class InvestmentDealFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InvestmentDeal

    name = factory.Sequence(lambda n: f"测试招商项目{n}")
    year = 2021
    industry = InvestmentDeal.Industry.MATERIALS
    total_investment = Decimal(50000)
    stage = InvestmentDeal.Stage.SIGNED
    signed_on = datetime.date(2021, 6, 1)


class RelocationProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RelocationProject
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"测试搬迁项目{n}")
    year = 2021
    community = factory.SubFactory(CommunityFactory)
    status = RelocationProject.Status.ONGOING


class RelocationHouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RelocationHousehold

    project = factory.SubFactory(RelocationProjectFactory)
    head_name = factory.Sequence(lambda n: f"测试户主{n}")
    id_number = factory.Sequence(id_number)
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    community = factory.SubFactory(CommunityFactory)
    household_size = 3
    floor_area = Decimal("150.00")
    status = RelocationHousehold.Status.SIGNED
    signed_on = datetime.date(2021, 4, 1)
    resettlement = RelocationHousehold.Resettlement.CASH
