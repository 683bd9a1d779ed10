import factory

from lotus.core.text import fold
from lotus.geo.models import Commune, Province


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Province
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{(n % 89) + 10:02d}")
    name = factory.Sequence(lambda n: f"Tỉnh Thử {n}")
    name_folded = factory.LazyAttribute(lambda o: fold(o.name))
    division_type = "tỉnh"


class CommuneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commune
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{90000 + n:05d}")
    name = factory.Sequence(lambda n: f"Xã Thử {n}")
    name_folded = factory.LazyAttribute(lambda o: fold(o.name))
    division_type = "xã"
    province = factory.SubFactory(ProvinceFactory)
