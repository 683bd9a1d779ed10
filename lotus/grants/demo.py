"""The seed's cash-grant scenario, added by `manage.py generate_demo` after the demo persons.

UN Women's "Emergency Response and Recovery Support for Women at Risk of Violence Most
Affected by COVID-19", funded by the Government of Australia, gave 3,388 grants of
VND 5,500,000 through the Women's Unions of Tiền Giang (now part of Đồng Tháp) and Ho Chi
Minh City, most vulnerable first, with skills training and livelihood follow-up.

The demo builds that programme and its cycle through the same services the pages use: the
criteria and weights are saved as a version, targeting runs, the manager locks the list,
the finance officer approves it, the list is issued with bank, e-wallet and post-office
lines, two result files are imported (most paid, some failed, some still pending), failed
payments are reissued and partly paid, a verification sample is drawn and partly visited,
and grievances, surveys and trainings are recorded. A second cycle stays in draft, for
walking through the steps by hand. Everything comes from `random.Random(seed)`; a second
call finds the programme and does nothing.

The demo registry spreads its persons over a few communes of each province, too few in the
cycle's communes for 3,388 grants. So the scenario first adds demo households (the
registry's own generator, on seeds of its own) across the cycle's communes until a fifth
more women can be selected than there are grants, and the list is filled with some left
below the cut. A registry smaller than the grant count is a quick trial run (tests, a few
persons asked for): it is left as it is, and the cycle selects whom it can.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from lotus.accounts.demo import (
    DemoGeographyMissing,
    demo_province,
    demo_users_create,
    former_tien_giang_communes,
    province_branch_ensure,
    province_by_number,
)
from lotus.accounts.models import User
from lotus.grants.models import (
    Activity,
    Channel,
    Cycle,
    Grievance,
    PaymentLine,
    PayoutAccount,
    Programme,
    Training,
    VerificationRecord,
)
from lotus.grants.services import cycles, followup, payments, reconciliation, verification
from lotus.grants.services.targeting import targeting_run
from lotus.registry.demo import DEMO_SOURCE, generate_persons
from lotus.registry.models import Consent, Person, Sex

PROGRAMME_NAME = (
    "Emergency Response and Recovery Support for Women at Risk of Violence Most Affected by "
    "COVID-19"
)
CONSENT_PURPOSE = "cash_grant"  # the purpose the registry demo asks consent for
GRANTS = 3388
AMOUNT = 5_500_000
WOMEN_18_PLUS = {
    "op": "all",
    "items": [
        {"fact": "sex", "cmp": "is", "value": "F"},
        {"fact": "age", "cmp": "gte", "value": 18},
    ],
}
WEIGHTS = {
    "woman_headed": 3, "pregnant": 3, "child_under_2": 2, "disability": 3,
    "migrant_worker": 2, "over_60": 2,
}  # fmt: skip
# One spare selectable woman for every SPARE_PER grants, so that some rank below the cut.
SPARE_PER = 5
# Share of generated persons who are women of 18 or more with consent to the cash grant
# (about 29 % in the demo registry), a little low so that one round is usually enough.
SELECTABLE_SHARE = 0.27
FILL_ROUNDS = 4
BANKS = ["Agribank", "Vietcombank", "VietinBank", "BIDV"]
WALLETS = ["MoMo", "ZaloPay", "VNPT Money"]


def _accounts(rng: random.Random, person_ids: list[int]) -> None:
    accounts = []
    for pk in person_ids:
        roll = rng.random()
        if roll < 0.5:
            accounts.append(
                PayoutAccount(
                    person_id=pk,
                    channel=Channel.BANK,
                    provider=rng.choice(BANKS),
                    account_number=f"{rng.randrange(10**11, 10**12)}",
                )
            )
        elif roll < 0.7:
            accounts.append(
                PayoutAccount(
                    person_id=pk,
                    channel=Channel.EWALLET,
                    provider=rng.choice(WALLETS),
                    account_number=f"09{rng.randrange(10**7, 10**8)}",
                )
            )
    PayoutAccount.objects.bulk_create(accounts, ignore_conflicts=True)


def _selectable_women(cycle: Cycle) -> int:
    """Living women of the cycle's communes, 18 or more on its reference date by their year
    of birth, with an active consent to the programme's purpose: an estimate for the fill."""
    consented = Consent.objects.filter(purpose=CONSENT_PURPOSE, withdrawn_on__isnull=True).values(
        "person_id"
    )
    return Person.objects.filter(
        sex=Sex.FEMALE,
        is_deceased=False,
        commune__in=cycle.communes.all(),
        birth_year__lte=cycle.reference_date.year - 18,
        pk__in=consented,
    ).count()


def _fill(cycle: Cycle, *, seed: int, grants: int) -> int:
    """Add demo households across the cycle's communes until enough women can be selected.

    Returns how many persons were added. Each round draws from its own seed, so the persons
    it adds have source ids of their own; a citizen ID that an earlier person already holds
    is cleared rather than shared.
    """
    if Person.all_objects.filter(source=DEMO_SOURCE).count() < grants:
        return 0
    wanted = grants + grants // SPARE_PER
    communes = list(cycle.communes.order_by("code"))
    added = 0
    for round_number in range(1, FILL_ROUNDS + 1):
        missing = wanted - _selectable_women(cycle)
        if missing <= 0:
            break
        round_seed = seed * 1000 + round_number
        report = generate_persons(
            count=max(math.ceil(missing / SELECTABLE_SHARE), 100),
            seed=round_seed,
            communes=communes,
        )
        added += report.persons
        new = Person.all_objects.filter(source=DEMO_SOURCE, source_id__startswith=f"{round_seed}-")
        Person.all_objects.filter(
            pk__in=new.exclude(cccd="").values("pk"),
            cccd__in=Person.all_objects.exclude(pk__in=new.values("pk")).values("cccd"),
        ).update(cccd="", cccd_verified=False)
    return added


def _result_file(lines: list[tuple[str, int]], outcomes: dict[str, str], day: dt.date) -> bytes:
    rows = ["reference,status,amount,date,note"]
    for reference, amount in lines:
        status = outcomes.get(reference)
        if status == "paid":
            rows.append(f"{reference},paid,{amount},{day:%d/%m/%Y},")
        elif status == "failed":
            rows.append(f"{reference},failed,,{day:%d/%m/%Y},account closed or wrong number")
    return "\n".join(rows).encode()


def _reconcile(rng, manager: User, cycle: Cycle, *, paid: float, failed: float, day, name):
    lines = list(
        PaymentLine.objects.filter(cycle=cycle, status=PaymentLine.Status.ISSUED)
        .order_by("reference")
        .values_list("reference", "amount")
    )
    outcomes = {}
    for reference, _amount in lines:
        roll = rng.random()
        if roll < paid:
            outcomes[reference] = "paid"
        elif roll < paid + failed:
            outcomes[reference] = "failed"
    content = _result_file(lines, outcomes, day)
    reconciliation.reconciliation_import(actor=manager, cycle=cycle, filename=name, content=content)


def _grievances(rng, manager: User, caseworker: User, cycle: Cycle, communes) -> int:
    today = timezone.localdate()
    cases = [
        ("hotline", "not_received", "Chưa nhận được tiền hỗ trợ dù đã có tên trong danh sách.", 40),
        ("commune_office", "wrong_amount", "Nhận thiếu 500.000 đồng tại bưu điện.", 30),
        ("online", "exclusion", "Chủ hộ là phụ nữ nhưng không được chọn.", 10),
        ("commune_office", "data", "Sai số CCCD trong danh sách chi trả.", 5),
        ("hotline", "feedback", "Đề nghị mở thêm lớp tập huấn chăn nuôi.", 3),
        ("online", "other", "Hỏi về thời gian đợt hỗ trợ tiếp theo.", 1),
    ]
    for channel, category, text, days_ago in cases:
        grievance = followup.grievance_create(
            actor=manager,
            cycle=cycle,
            commune=rng.choice(communes),
            data={
                "channel": channel,
                "category": category,
                "description": text,
                "received_on": today - dt.timedelta(days=days_ago),
            },
        )
        if days_ago == 5:
            followup.grievance_update(
                actor=manager, grievance=grievance, status="resolved", assignee=manager,
                due_on=grievance.due_on, resolution="Đã sửa số CCCD và chi trả lại.",
            )  # fmt: skip
    # Recorded by the case worker of the home commune: only safeguarding roles see it.
    followup.grievance_create(
        actor=caseworker,
        cycle=cycle,
        commune=caseworker.branch.commune,
        data={
            "channel": "hotline",
            "category": Grievance.Category.ABUSE,
            "description": "Người nhận bị yêu cầu đưa lại một phần tiền.",
            "received_on": today - dt.timedelta(days=1),
        },
    )
    return len(cases) + 1


@transaction.atomic
def generate_grants_demo(*, seed: int, grants: int = GRANTS) -> str | None:
    """Add the seed's programme, its cycle in every state of payment, and a draft cycle.

    `grants` is the seed's 3,388 unless a test asks for a smaller cycle.
    """
    if Programme.objects.filter(name=PROGRAMME_NAME).exists():
        return "Cash-grant demo already present; nothing added."
    try:
        dong_thap = demo_province()
    except DemoGeographyMissing:
        return None
    hcmc = province_by_number(79)
    users = {u.username: u for u in demo_users_create()}
    manager, finance = users["manager"], users["finance"]
    rng = random.Random(seed)
    provinces = [p for p in (dong_thap, hcmc) if p is not None]
    communes = list(former_tien_giang_communes(dong_thap))
    if hcmc is not None:
        communes += list(hcmc.communes.all())
    programme = cycles.programme_create(
        actor=manager,
        data={
            "name": PROGRAMME_NAME,
            "lead_agency": "UN Women",
            "donors": "Government of Australia",
            "implementing_branches": [province_branch_ensure(p) for p in provinces],
            "consent_purpose": CONSENT_PURPOSE,
            "starts_on": dt.date(2023, 1, 1),
            "ends_on": dt.date(2024, 6, 30),
            "second_approval_above": 20_000_000_000,
        },
    )
    cycle = cycles.cycle_create(
        actor=manager,
        programme=programme,
        data={
            "name": "Tiền Giang và TP. Hồ Chí Minh, 2023",
            "amount_per_person": AMOUNT,
            "grant_count": grants,
            "budget": grants * AMOUNT,
            "provinces": provinces,
            "communes": communes,
            "reference_date": dt.date(2023, 10, 1),
        },
    )
    cycles.cycle_criteria_save(
        actor=manager,
        cycle=cycle,
        criteria=WOMEN_18_PLUS,
        weights=WEIGHTS,
        quota_mode=Cycle.QuotaMode.PROPORTIONAL,
    )
    added = _fill(cycle, seed=seed, grants=grants)
    targeting_run(actor=manager, cycle=cycle)
    cycle.refresh_from_db()
    selected = list(cycle.candidates.filter(selected=True).values_list("person_id", flat=True))
    _accounts(rng, selected)
    cycles.cycle_lock_targeting(actor=manager, cycle=cycle)
    cycles.cycle_approve(actor=finance, cycle=cycle)
    payments.payment_list_issue(actor=manager, cycle=cycle)
    _reconcile(rng, manager, cycle, paid=0.72, failed=0.08, day=dt.date(2023, 11, 5),
               name="ket-qua-dot-1.csv")  # fmt: skip
    failed = list(
        PaymentLine.objects.filter(cycle=cycle, status=PaymentLine.Status.FAILED)
        .order_by("reference")
        .values_list("pk", flat=True)
    )
    if failed:
        payments.payment_reissue_failed(
            actor=manager, cycle=cycle, line_ids=failed[: len(failed) * 2 // 3]
        )
    _reconcile(rng, manager, cycle, paid=0.5, failed=0.05, day=dt.date(2023, 12, 10),
               name="ket-qua-dot-2.csv")  # fmt: skip
    cycle.refresh_from_db()
    summary = [f"Cash grants: '{cycle.name}', {cycle.selected_count} selected"]
    if added:
        summary.append(f"{added} persons added in its communes")
    if cycle.paid_count:
        sample = verification.verification_sample_draw(
            actor=manager,
            cycle=cycle,
            confidence=95,
            margin_pct=Decimal("5"),
            stratify_by="commune",
            seed=seed,
        )
        for record in sample.records.order_by("pk")[: sample.size * 3 // 5]:
            roll = rng.random()
            outcome = (
                VerificationRecord.Outcome.FULL if roll < 0.9
                else VerificationRecord.Outcome.PARTIAL if roll < 0.94
                else VerificationRecord.Outcome.NOT_REACHED
            )  # fmt: skip
            record.outcome = outcome
            record.problem = "" if outcome == "full" else "Phải trả phí rút tiền"
            record.checked_on = dt.date(2024, 1, 15)
            record.checked_by = manager
            record.save()
        summary.append(f"verification sample of {sample.size}")
        summary.append(_followup(rng, manager, cycle))
    summary.append(f"{cycle.paid_count} paid ({cycle.total_paid:,} VND)")
    summary.append(f"{_grievances(rng, manager, users['caseworker'], cycle, communes)} grievances")
    draft = cycles.cycle_create(
        actor=manager,
        programme=programme,
        data={
            "name": "TP. Hồ Chí Minh, 2024 (bản nháp)",
            "amount_per_person": AMOUNT,
            "grant_count": 500,
            "provinces": [hcmc or dong_thap],
            "communes": [],
            "reference_date": dt.date(2024, 3, 1),
        },
    )
    summary.append(f"draft cycle '{draft.name}'")
    return "; ".join(summary) + "."


def _followup(rng, manager: User, cycle: Cycle) -> str:
    paid = list(
        PaymentLine.objects.filter(cycle=cycle, status=PaymentLine.Status.PAID)
        .select_related("person")
        .order_by("reference")[:300]
    )
    activities = [Activity.LIVESTOCK, Activity.CROPS, Activity.SMALL_SHOP, Activity.ONLINE_SALES]
    surveys = 0
    for index, line in enumerate(paid):
        baseline = rng.randrange(1_000_000, 4_000_000, 50_000)
        activity = rng.choice(activities)
        followup.survey_record(
            actor=manager, cycle=cycle, person=line.person,
            data={"kind": "baseline", "surveyed_on": dt.date(2023, 10, 20),
                  "monthly_income": baseline, "activity": activity,
                  "training_received": False},
        )  # fmt: skip
        surveys += 1
        if index % 3 != 2:
            change = rng.uniform(-0.1, 0.9)
            followup.survey_record(
                actor=manager, cycle=cycle, person=line.person,
                data={"kind": "follow_up", "surveyed_on": dt.date(2024, 4, 15),
                      "monthly_income": int(baseline * (1 + change)) // 1000 * 1000,
                      "activity": activity, "training_received": rng.random() < 0.8},
            )  # fmt: skip
            surveys += 1
    trainings = 0
    for title, topic in [
        ("Kỹ thuật chăn nuôi heo", Training.Topic.LIVESTOCK),
        ("Trồng trọt thích ứng biến đổi khí hậu", Training.Topic.CROPS),
        ("Quản lý kinh tế hộ và khởi sự kinh doanh", Training.Topic.BUSINESS),
        ("Bán hàng trực tuyến", Training.Topic.ONLINE_SALES),
        ("Phòng chống bạo lực trên cơ sở giới", Training.Topic.GBV_PREVENTION),
    ]:
        commune = paid[trainings % len(paid)].commune if paid else None
        if commune is None:
            continue
        training = followup.training_create(
            actor=manager, cycle=cycle, commune=commune,
            data={"title": title, "topic": topic, "held_on": dt.date(2023, 11, 20)},
        )  # fmt: skip
        attendees = [line.person for line in paid if line.commune_id == commune.pk][:25]
        followup.training_attendance_set(actor=manager, training=training, persons=attendees)
        trainings += 1
    return f"{surveys} livelihood surveys, {trainings} trainings"
