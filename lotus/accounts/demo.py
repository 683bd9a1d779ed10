"""Demo union branches and one fixed demo login per role.

The logins are listed in README; `manage.py create_demo_users` makes them, and running it
again changes nothing. Only geography is read here (accounts depends on geo alone), so the
demo commune is chosen from geography: a commune of today's Đồng Tháp that was formerly in
Tiền Giang, the province whose addresses and citizen IDs still carry the old names.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet

from lotus.accounts.models import Branch, User
from lotus.accounts.roles import Role
from lotus.core.text import fold
from lotus.geo.models import Commune, Province

DEMO_PASSWORD = "lotus-demo-2026"
CENTRAL_BRANCH_NAME = "Trung ương Hội Liên hiệp Phụ nữ Việt Nam"
DONG_THAP_CODE = 82
TIEN_GIANG_FOLDED = "tien giang"
# The old commune the issue uses as its example address ("Xã Song Thuận, Huyện Châu Thành,
# Tỉnh Tiền Giang"); the demo commune officer works where it lies today.
HOME_LEGACY_COMMUNE_FOLDED = "song thuan"


class DemoGeographyMissing(LookupError):
    """The geography needed by the demo (Đồng Tháp and its communes) is not loaded."""


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    full_name: str
    level: str
    is_superuser: bool = False


DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin("admin", Role.SYSTEM_ADMIN, "Nguyễn Thị Quản Trị", Branch.Level.CENTRAL, True),
    DemoLogin("manager", Role.PROGRAMME_MANAGER, "Trần Thị Mai", Branch.Level.CENTRAL),
    DemoLogin(
        "sensitive_manager",
        Role.SENSITIVE_PROGRAMME_MANAGER,
        "Bùi Thị Thanh",
        Branch.Level.CENTRAL,
    ),
    DemoLogin("province", Role.PROVINCE_OFFICER, "Lê Thị Hồng", Branch.Level.PROVINCE),
    DemoLogin("commune", Role.COMMUNE_OFFICER, "Phạm Thị Lan", Branch.Level.COMMUNE),
    DemoLogin("caseworker", Role.CASE_WORKER, "Huỳnh Thị Thu", Branch.Level.COMMUNE),
    DemoLogin("finance", Role.FINANCE_OFFICER, "Võ Thị Ngọc", Branch.Level.PROVINCE),
    DemoLogin("analyst", Role.ANALYST, "Đặng Thị Hà", Branch.Level.CENTRAL),
)


def province_by_number(number: int) -> Province | None:
    """Today's province with this code, whether the code is stored as "1" or "01"."""
    return Province.objects.filter(code__in=[str(number), f"{number:02d}"]).first()


def demo_province() -> Province:
    """Today's Đồng Tháp. Raises: DemoGeographyMissing."""
    province = province_by_number(DONG_THAP_CODE)
    if province is None:
        raise DemoGeographyMissing("Đồng Tháp is not loaded; run manage.py load_geography.")
    return province


def former_tien_giang_communes(province: Province) -> QuerySet[Commune]:
    """Communes of `province` that replaced (wholly or in part) communes of Tiền Giang."""
    return (
        Commune.objects.filter(
            province=province,
            predecessors__district__province__name_folded__endswith=TIEN_GIANG_FOLDED,
        )
        .distinct()
        .order_by("code")
    )


def demo_home_commune() -> Commune:
    """The commune of the demo commune officer and case worker.

    Xã Song Thuận if a commune of that name exists in Đồng Tháp, else today's commune that
    replaced Tiền Giang's Song Thuận, else the first former Tiền Giang commune, else the
    first commune of Đồng Tháp. Raises: DemoGeographyMissing.
    """
    province = demo_province()
    communes = Commune.objects.filter(province=province).order_by("code")
    for commune in communes.filter(name_folded__endswith=HOME_LEGACY_COMMUNE_FOLDED):
        if fold(commune.name) in (HOME_LEGACY_COMMUNE_FOLDED, f"xa {HOME_LEGACY_COMMUNE_FOLDED}"):
            return commune
    former = former_tien_giang_communes(province)
    successor = (
        former.filter(
            successions__legacy_commune__name_folded__endswith=HOME_LEGACY_COMMUNE_FOLDED,
            successions__is_main_successor=True,
        )
        .order_by("code")
        .first()
    )
    home = successor or former.first() or communes.first()
    if home is None:
        raise DemoGeographyMissing("Đồng Tháp has no communes; run manage.py load_geography.")
    return home


def central_branch_ensure() -> Branch:
    """The central branch, created once."""
    branch = Branch.objects.filter(level=Branch.Level.CENTRAL).order_by("pk").first()
    if branch is None:
        branch = Branch.objects.create(name=CENTRAL_BRANCH_NAME, level=Branch.Level.CENTRAL)
    return branch


def province_branch_ensure(province: Province) -> Branch:
    """The union branch of `province`, created once."""
    branch, _ = Branch.objects.get_or_create(
        level=Branch.Level.PROVINCE,
        province=province,
        defaults={"name": f"Hội LHPN {province.name}"},
    )
    return branch


def commune_branches_ensure(communes: list[Commune]) -> dict[int, Branch]:
    """The union branch of each commune (created where missing), keyed by commune id."""
    ids = {c.pk for c in communes}
    existing = {
        b.commune_id: b for b in Branch.objects.filter(level=Branch.Level.COMMUNE, commune__in=ids)
    }
    missing = [c for c in communes if c.pk not in existing]
    seen: set[int] = set()
    new = []
    for commune in missing:
        if commune.pk in seen:
            continue
        seen.add(commune.pk)
        new.append(
            Branch(
                name=f"Hội LHPN {commune.name}",
                level=Branch.Level.COMMUNE,
                province_id=commune.province_id,
                commune=commune,
            )
        )
    Branch.objects.bulk_create(new)
    # Re-read so every branch carries its primary key on every database backend.
    return {
        b.commune_id: b for b in Branch.objects.filter(level=Branch.Level.COMMUNE, commune__in=ids)
    }


@transaction.atomic
def demo_users_create() -> list[User]:
    """Create (or bring back to their documented state) the demo logins, one per role.

    The password is set only when a login is created, so a second run is quick and keeps
    a password someone changed on purpose. Raises: DemoGeographyMissing.
    """
    province = demo_province()
    home = demo_home_commune()
    branches = {
        Branch.Level.CENTRAL: central_branch_ensure(),
        Branch.Level.PROVINCE: province_branch_ensure(province),
        Branch.Level.COMMUNE: commune_branches_ensure([home])[home.pk],
    }
    users = []
    for login in DEMO_LOGINS:
        family, _, given = login.full_name.partition(" ")
        fields = {
            "role": login.role,
            "branch": branches[login.level],
            "last_name": family,
            "first_name": given,
            "is_superuser": login.is_superuser,
            "is_staff": login.is_superuser,
            "is_active": True,
        }
        user = User.objects.filter(username=login.username).first()
        if user is None:
            user = User(username=login.username, **fields)
            user.set_password(DEMO_PASSWORD)
            user.save()
        elif any(getattr(user, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(user, name, value)
            user.save(update_fields=list(fields))
        users.append(user)
    return users
