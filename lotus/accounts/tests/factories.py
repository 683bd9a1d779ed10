import factory

from lotus.accounts.models import Branch, User
from lotus.accounts.roles import Role
from lotus.geo.tests.factories import CommuneFactory, ProvinceFactory

PASSWORD = "lotus-test-pass"


class CentralBranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch

    name = "Hội Liên hiệp Phụ nữ Việt Nam"
    level = Branch.Level.CENTRAL


class ProvinceBranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch
        django_get_or_create = ("province", "level")

    level = Branch.Level.PROVINCE
    province = factory.SubFactory(ProvinceFactory)
    name = factory.LazyAttribute(lambda o: f"Hội LHPN {o.province.name}")


class CommuneBranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch
        django_get_or_create = ("commune", "level")

    level = Branch.Level.COMMUNE
    commune = factory.SubFactory(CommuneFactory)
    province = factory.LazyAttribute(lambda o: o.commune.province)
    name = factory.LazyAttribute(lambda o: f"Hội LHPN {o.commune.name}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Lan"
    last_name = "Nguyễn"
    role = Role.COMMUNE_OFFICER
    branch = factory.SubFactory(CommuneBranchFactory)
    password = factory.django.Password(PASSWORD)
