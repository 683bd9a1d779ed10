import datetime as dt

import factory

from lotus.core.text import fold
from lotus.linkage.models import CandidatePair
from lotus.registry.tests.factories import PersonFactory


def person(full_name: str, **fields):
    """A person named `full_name` (split in Vietnamese order), other fields as given."""
    words = full_name.split()
    fields.setdefault("birth_date", dt.date(1985, 6, 15))
    return PersonFactory(
        full_name=full_name,
        family_name=words[0] if len(words) > 1 else "",
        middle_name=" ".join(words[1:-1]),
        given_name=words[-1],
        name_key=fold(full_name),
        birth_year=fields["birth_date"].year if fields["birth_date"] else 1985,
        **fields,
    )


class CandidatePairFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CandidatePair

    person_l = factory.SubFactory(PersonFactory)
    person_r = factory.SubFactory(
        PersonFactory, commune=factory.SelfAttribute("..person_l.commune")
    )
    match_probability = 0.97
    match_weight = 5.0
    explanation = factory.LazyFunction(
        lambda: [{"comparison": "given", "level": "same without tone marks", "weight": 3.1}]
    )
    model_version = "test"
    scored_at = factory.LazyFunction(lambda: dt.datetime(2026, 1, 5, tzinfo=dt.UTC))
