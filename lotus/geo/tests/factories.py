import factory

from lotus.core.text import fold
from lotus.geo.models import Commune, Province
from lotus.geo.services import LoadReport, load_geography


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


# Today's Đồng Tháp (with the former Tiền Giang and Đồng Tháp) and Ho Chi Minh City (with the
# former Bình Dương and Bà Rịa - Vũng Tàu): the places the issues' scenarios use.
SMALL_GEOGRAPHY_PROVINCES = ("82", "79")


def load_small_geography() -> LoadReport:
    """Load the real geography of Đồng Tháp and Ho Chi Minh City (old and new) for a test.

    Takes a fraction of a second once the sources are read (once per process).
    """
    return load_geography(provinces=list(SMALL_GEOGRAPHY_PROVINCES))
