import pytest

from lotus.accounts.demo import (
    DEMO_LOGINS,
    DEMO_PASSWORD,
    DemoGeographyMissing,
    demo_home_commune,
    demo_users_create,
)
from lotus.accounts.models import Branch, User
from lotus.accounts.roles import Role
from lotus.core.text import fold
from lotus.geo.models import (
    Commune,
    CommuneSuccession,
    LegacyCommune,
    LegacyDistrict,
    LegacyProvince,
    Province,
)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Eight logins hashed with PBKDF2 take seconds; the hashing itself is not under test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _province(code: str, name: str) -> Province:
    return Province.objects.create(
        code=code, name=name, name_folded=fold(name), division_type="tỉnh"
    )


def _commune(province: Province, code: str, name: str, legacy: LegacyCommune | None = None):
    division = "phường" if name.startswith("Phường") else "xã"
    commune = Commune.objects.create(
        code=code, name=name, name_folded=fold(name), division_type=division, province=province
    )
    if legacy is not None:
        CommuneSuccession.objects.create(legacy_commune=legacy, commune=commune)
    return commune


def _legacy(province: Province, code: str, name: str, district_code: str, district: str):
    legacy_province, _ = LegacyProvince.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "name_folded": fold(name),
            "key": fold(name),
            "successor": province,
        },
    )
    legacy_district, _ = LegacyDistrict.objects.get_or_create(
        code=district_code,
        defaults={
            "name": district,
            "name_folded": fold(district),
            "key": fold(district),
            "province": legacy_province,
        },
    )
    return legacy_district


def _legacy_commune(district: LegacyDistrict, code: str, name: str) -> LegacyCommune:
    return LegacyCommune.objects.create(
        code=code, name=name, name_folded=fold(name), key=fold(name), district=district
    )


def build_demo_geography() -> dict[str, Commune]:
    """A small geography shaped like the real one: Đồng Tháp with communes of the former
    Tiền Giang (Song Thuận went into Kim Sơn) and of the old Đồng Tháp, Ho Chi Minh City,
    Hà Nội and Thái Nguyên."""
    dong_thap = _province("82", "Tỉnh Đồng Tháp")
    chau_thanh = _legacy(dong_thap, "82", "Tỉnh Tiền Giang", "820", "Huyện Châu Thành")
    cai_be = _legacy(dong_thap, "82", "Tỉnh Tiền Giang", "822", "Huyện Cái Bè")
    cao_lanh = _legacy(dong_thap, "87", "Tỉnh Đồng Tháp", "870", "Huyện Cao Lãnh")
    hcmc = _province("79", "Thành phố Hồ Chí Minh")
    ha_noi = _province("01", "Thành phố Hà Nội")
    thai_nguyen = _province("19", "Tỉnh Thái Nguyên")
    return {
        "kim_son": _commune(
            dong_thap, "28330", "Xã Kim Sơn", _legacy_commune(chau_thanh, "28331", "Xã Song Thuận")
        ),
        "binh_trung": _commune(
            dong_thap,
            "28300",
            "Xã Bình Trưng",
            _legacy_commune(chau_thanh, "28301", "Xã Bình Trưng"),
        ),
        "cai_be": _commune(
            dong_thap, "28420", "Xã Cái Bè", _legacy_commune(cai_be, "28421", "Thị trấn Cái Bè")
        ),
        "my_tho": _commune(dong_thap, "28249", "Phường Mỹ Tho"),
        "cao_lanh": _commune(
            dong_thap, "29950", "Xã Mỹ Thọ", _legacy_commune(cao_lanh, "29951", "Xã Mỹ Thọ")
        ),
        "sai_gon": _commune(hcmc, "26734", "Phường Sài Gòn"),
        "cu_chi": _commune(hcmc, "27500", "Xã Củ Chi"),
        "ba_dinh": _commune(ha_noi, "00004", "Phường Ba Đình"),
        "soc_son": _commune(ha_noi, "00376", "Xã Sóc Sơn"),
        "phu_luong": _commune(thai_nguyen, "05500", "Xã Phú Lương"),
    }


@pytest.fixture
def demo_geography(db):
    return build_demo_geography()


@pytest.mark.django_db
def test_demo_users_create_makes_one_login_per_role(demo_geography):
    demo_users_create()

    roles = sorted(User.objects.values_list("role", flat=True))
    assert roles == sorted(Role.values)


@pytest.mark.django_db
def test_demo_users_create_is_idempotent(demo_geography):
    first = {u.username: (u.pk, u.role, u.branch_id) for u in demo_users_create()}
    branches = Branch.objects.count()

    second = {u.username: (u.pk, u.role, u.branch_id) for u in demo_users_create()}

    assert second == first
    assert Branch.objects.count() == branches
    assert User.objects.count() == len(DEMO_LOGINS)


@pytest.mark.django_db
def test_demo_users_create_restores_a_changed_role(demo_geography):
    demo_users_create()
    User.objects.filter(username="commune").update(role=Role.ANALYST, branch=None)

    demo_users_create()

    user = User.objects.get(username="commune")
    assert (user.role, user.branch.commune) == (Role.COMMUNE_OFFICER, demo_geography["kim_son"])


@pytest.mark.django_db
def test_demo_users_create_makes_admin_a_superuser(demo_geography):
    demo_users_create()

    admin = User.objects.get(username="admin")
    assert (admin.is_superuser, admin.is_staff, admin.role) == (True, True, Role.SYSTEM_ADMIN)


@pytest.mark.django_db
def test_demo_users_create_sets_the_documented_password(demo_geography):
    demo_users_create()

    assert User.objects.get(username="caseworker").check_password(DEMO_PASSWORD)


@pytest.mark.django_db
def test_demo_users_create_places_officers_in_their_branches(demo_geography):
    demo_users_create()

    places = {
        u.username: (u.branch.level, u.branch.province_id, u.branch.commune_id)
        for u in User.objects.select_related("branch")
    }
    dong_thap = demo_geography["kim_son"].province_id
    kim_son = demo_geography["kim_son"].pk
    assert places == {
        "admin": (Branch.Level.CENTRAL, None, None),
        "manager": (Branch.Level.CENTRAL, None, None),
        "sensitive_manager": (Branch.Level.CENTRAL, None, None),
        "analyst": (Branch.Level.CENTRAL, None, None),
        "province": (Branch.Level.PROVINCE, dong_thap, None),
        "finance": (Branch.Level.PROVINCE, dong_thap, None),
        "commune": (Branch.Level.COMMUNE, dong_thap, kim_son),
        "caseworker": (Branch.Level.COMMUNE, dong_thap, kim_son),
    }


@pytest.mark.django_db
def test_demo_home_commune_is_where_former_song_thuan_lies(demo_geography):
    assert demo_home_commune() == demo_geography["kim_son"]


@pytest.mark.django_db
def test_demo_home_commune_prefers_a_commune_named_song_thuan(commune_a):
    assert demo_home_commune() == commune_a


@pytest.mark.django_db
def test_demo_home_commune_falls_back_to_a_former_tien_giang_commune(demo_geography):
    LegacyCommune.objects.filter(name="Xã Song Thuận").delete()

    assert demo_home_commune() == demo_geography["binh_trung"]


@pytest.mark.django_db
def test_demo_users_create_needs_the_geography():
    with pytest.raises(DemoGeographyMissing):
        demo_users_create()


@pytest.mark.django_db
def test_demo_users_create_makes_a_manager_who_may_read_restricted_facts(demo_geography):
    demo_users_create()

    assert User.objects.get(username="sensitive_manager").role == Role.SENSITIVE_PROGRAMME_MANAGER
