"""一人一档: every record of one person, found by ID number, within the user's scope.

A page is addressed by an opaque key (an HMAC of the number kept in ``PersonKey``),
never by the number. The personal-data rules — who sees the number unmasked, the
daily quota of lookups by a full number, the access log — are applied in the
"Personal data" functions below and nowhere else in this package.
"""

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import F
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from devzone import personal, registry, sealing
from devzone.models import PersonalDataAccess, PersonKey
from devzone.registry import PersonSource
from devzone.scope import Scope, community_path
from devzone.validators import (
    ID_PATTERN,
    id_birth_date,
    id_is_male,
    mask_id_number,
    normalize_id_number,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

KEY_SALT = "devzone.desk.people.person_key"
CHILD_AGE, SENIOR_AGE = 18, 60
KEY_PATTERN = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class TimelineEntry:
    """One dated event of a person's file (a visit, a payment)."""

    date: datetime.date
    text: str
    amount: Decimal | None = None
    url: str = ""
    photos: tuple[tuple[str, str], ...] = ()  # (thumbnail, display) of each photo


@dataclass(frozen=True)
class VisitPlan:
    """How often a person is visited and when the next visit is due."""

    months: int
    last_visit: datetime.date | None
    next_due: datetime.date
    due: bool


@dataclass
class PersonCard:
    """One record of the person, as a section of the page, built by its app.

    ``categories``, ``last_visit``, ``paid_this_year`` and ``paid_total`` feed the
    page's header.
    """

    title: str
    url: str = ""
    name: str = ""
    community: str = ""
    fields: list[tuple[Any, Any]] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)
    visit: VisitPlan | None = None
    categories: list[str] = field(default_factory=list)
    last_visit: datetime.date | None = None
    paid_this_year: Decimal = Decimal(0)
    paid_total: Decimal = Decimal(0)


@dataclass
class Person:
    """What the person page shows: the header and the cards, within one scope."""

    key: str
    number: str  # as shown: masked unless the user may see it
    name: str
    birth_date: datetime.date | None
    gender: str
    cards: list[PersonCard]
    on: datetime.date
    unmasked: bool = False

    @property
    def age_shown(self) -> str:
        """Return the age, or only its band where the number is masked.

        An exact age beside a masked number narrows its hidden birth date to a
        year (the lists drop their age column for the same reason).
        """
        age = self.age
        if age is None:
            return "—"
        if self.unmasked:
            return _("%(age)d 岁") % {"age": age}
        if age < CHILD_AGE:
            return str(_("未满 18 岁"))
        return str(_("60 岁以上") if age >= SENIOR_AGE else _("18–59 岁"))

    @property
    def age(self) -> int | None:
        if self.birth_date is None:
            return None
        born = self.birth_date
        return (
            self.on.year
            - born.year
            - ((self.on.month, self.on.day) < (born.month, born.day))
        )

    @property
    def communities(self) -> list[str]:
        return sorted({card.community for card in self.cards if card.community})

    @property
    def categories(self) -> list[str]:
        seen: dict[str, None] = {}
        for card in self.cards:
            seen.update(dict.fromkeys(card.categories))
        return list(seen)

    @property
    def last_visit(self) -> datetime.date | None:
        visits = [card.last_visit for card in self.cards if card.last_visit]
        return max(visits, default=None)

    @property
    def paid_this_year(self) -> Decimal:
        return sum((card.paid_this_year for card in self.cards), Decimal(0))

    @property
    def paid_total(self) -> Decimal:
        return sum((card.paid_total for card in self.cards), Decimal(0))


# Personal data: the one place this package applies the zone's personal-data rules.


def sees_numbers(user: "User", sources: Iterable[PersonSource]) -> bool:
    """Return True if the user may see the number unmasked in every given source."""
    sources = list(sources)
    return bool(sources) and all(
        personal.may_unmask(user, source.model) for source in sources
    )


def shown_number(number: str, unmasked: bool) -> str:
    """Return the number as the page shows it."""
    return number if unmasked else mask_id_number(number)


def lookup_allowed(user: "User", term: str) -> bool:
    """Count a masked user's lookup against the daily quota; False once it is spent.

    A lookup by a full number (or by name and birth date) answers "exists or not"
    about a number the user may not see: it is counted like the lists' searches.
    """
    if sees_numbers(user, readable_sources(user)):
        return True
    return personal.lookup(
        user,
        model=PersonKey,
        channel=PersonalDataAccess.Channel.SEARCH,
        target=term,
    )


def log_view(user: "User", person: Person, number: str) -> None:
    """Log a view of a person page as a personal-data access."""
    personal.record_view(
        user,
        model=PersonKey,
        kind=PersonalDataAccess.Kind.PERSON,
        target=f"{number} {person.key[:12]}",
        row_count=len(person.cards),
        columns=["身份证号"] if sees_numbers(user, readable_sources(user)) else [],
    )


# Keys.


def person_key(number: str) -> str:
    """Return the opaque key of a number (HMAC with the site's secret key)."""
    return salted_hmac(KEY_SALT, number, algorithm="sha256").hexdigest()


def key_for(number: str) -> str:
    """Return the page key of a number, recording it for ``number_for``."""
    record, _created = PersonKey.objects.get_or_create(
        id_number_digest=sealing.digest(number),
        defaults={"key": person_key(number), "id_number": sealing.seal(number)},
    )
    return record.key


def number_for(key: str) -> str | None:
    """Return the number behind a page key, or None."""
    if not KEY_PATTERN.fullmatch(key):
        return None
    sealed = PersonKey.objects.filter(key=key).values_list("id_number", flat=True)
    return sealing.unseal(sealed.first())


def clean_number(text: str) -> str | None:
    """Return a full ID number typed by a user, normalised, or None."""
    number = normalize_id_number(text)
    return number if ID_PATTERN.fullmatch(number) else None


# Sources and records.


def readable_sources(user: "User") -> list[PersonSource]:
    """Return the registered sources whose records the user may view."""
    return [
        source
        for source in sorted(
            registry.person_sources.values(), key=lambda s: (s.order, s.key)
        )
        if user.has_perm(view_permission(source.model))
    ]


def view_permission(model: type[models.Model]) -> str:
    opts = model._meta
    return f"{opts.app_label}.view_{opts.model_name}"


def records_of(user: "User", source: PersonSource, number: str) -> models.QuerySet:
    """Return the source's records naming the number, within the user's scope."""
    rows = source.model._default_manager.filter(**{source.id_field: number})
    return Scope.of(user).filter(rows)


def admin_url(record: models.Model) -> str:
    """Return the admin page of a record ("" if it has none)."""
    opts = record._meta
    try:
        return reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.pk]
        )
    except NoReverseMatch:
        return ""


def plain_cards(records: models.QuerySet, **_options: Any) -> list[PersonCard]:
    """Return one card per record: its name and a link (sources without ``cards``)."""
    label = str(records.model._meta.verbose_name)
    return [
        PersonCard(title=f"{label}：{record}", url=admin_url(record))
        for record in records
    ]


def gather(user: "User", key: str, on: datetime.date | None = None) -> Person | None:
    """Return the person behind a key as the user may see them, or None (找不到)."""
    number = number_for(key)
    if number is None:
        return None
    on = on or timezone.localdate()
    sources = [
        source
        for source in readable_sources(user)
        if records_of(user, source, number).exists()
    ]
    unmasked = sees_numbers(user, sources)
    cards: list[PersonCard] = []
    for source in sources:
        build = source.cards or plain_cards
        cards += build(records_of(user, source, number), on=on, unmasked=unmasked)
    if not cards:
        return None
    male = id_is_male(number)
    return Person(
        key=key,
        number=shown_number(number, unmasked),
        name=next((card.name for card in cards if card.name), ""),
        birth_date=id_birth_date(number),
        gender=str(_("男") if male else _("女")),
        cards=cards,
        on=on,
        unmasked=unmasked,
    )


def find_by_number(user: "User", number: str) -> str | None:
    """Return the page key of a number if the user may see any record naming it."""
    for source in readable_sources(user):
        if records_of(user, source, number).exists():
            return key_for(number)
    return None


@dataclass(frozen=True)
class Candidate:
    """A person matching a name and birth date, as a choice to open."""

    key: str
    number: str
    communities: str


def find_by_name_and_birth(
    user: "User", name: str, birth: datetime.date
) -> list[Candidate]:
    """Return the people of that name born on that day whom the user may see."""
    numbers: dict[str, set[str]] = {}
    sources = readable_sources(user)
    for source in sources:
        rows = (
            Scope.of(user)
            .filter(source.model._default_manager.filter(**{source.name_field: name}))
            .annotate(_birth=F(f"{source.id_field}_birth"))
            .filter(_birth=birth.strftime("%Y%m%d"))
        )
        path = community_path(source.model)
        names = [f"{path}__name"] if path not in (None, "pk") else []
        for number, *community in rows.values_list(source.id_field, *names):
            numbers.setdefault(number, set()).update(filter(None, community))
    unmasked = sees_numbers(user, sources)
    return [
        Candidate(
            key=key_for(number),
            number=shown_number(number, unmasked),
            communities="、".join(sorted(communities)),
        )
        for number, communities in sorted(numbers.items())
    ]


# Links from records.


def record_link(record: models.Model) -> str:
    """Return the address that opens a record's person page ("" if none)."""
    label = record._meta.label_lower
    if label not in registry.person_sources or record.pk is None:
        return ""
    return reverse("desk:person_from_record", args=[label, record.pk])


def person_page_link(record: models.Model) -> str:
    """A list column: the link to the person page of the record's person."""
    url = record_link(record)
    return format_html('<a href="{}">{}</a>', url, _("一人一档")) if url else ""


person_page_link.short_description = _("一人一档")  # type: ignore[attr-defined]


def number_of_record(user: "User", label: str, pk: int) -> str | None:
    """Return the number a record names, if the user may see the record."""
    source = registry.person_sources.get(label)
    if source is None or not user.has_perm(view_permission(source.model)):
        return None
    rows = Scope.of(user).filter(source.model._default_manager.filter(pk=pk))
    return rows.values_list(source.id_field, flat=True).first()
