"""What welfare adds to the person page (一人一档) and the workers' to-do."""

from decimal import Decimal

from django.utils.translation import gettext as _

from devzone.desk.people import PersonCard, TimelineEntry, VisitPlan, admin_url
from devzone.validators import mask_phone
from welfare.models import VisitInterval, WelfareRecipient


def recipient_cards(records, *, on, unmasked):
    """Return one card per recipient record: the category's file and its timeline."""
    months = VisitInterval.months_by_category()
    due = set(records.due_visit(on=on).values_list("pk", flat=True))
    phone = (lambda value: value) if unmasked else mask_phone
    cards = []
    rank = {category: index for index, category in enumerate(months)}
    recipients = sorted(
        records.select_related("community")
        .prefetch_related("records__photos")
        .with_last_visit(),
        key=lambda recipient: (rank.get(recipient.category, len(rank)), recipient.pk),
    )
    for recipient in recipients:
        history = sorted(recipient.records.all(), key=lambda r: r.date, reverse=True)
        paid_total = sum((r.amount for r in history), Decimal(0))
        paid_year = sum(
            (r.amount for r in history if r.date.year == on.year), Decimal(0)
        )
        category = recipient.get_category_display()
        fields = [
            (_("帮扶类别"), category),
            (_("村/社区"), recipient.community.name),
            (_("认定批次"), f"{recipient.batch_year} {recipient.get_batch_display()}"),
            (_("认定日期"), recipient.identified_on),
            (_("致困原因"), recipient.get_cause_display()),
            (_("状态"), recipient.get_status_display()),
            (_("家庭人口（人）"), recipient.household_size),
            (_("住址"), recipient.address),
            (_("联系电话"), phone(recipient.phone)),
        ]
        if recipient.is_child_category:
            fields += [
                (_("监护人"), recipient.guardian_name),
                (_("监护人电话"), phone(recipient.guardian_phone)),
            ]
        fields.append((_("帮扶措施（分类施策）"), recipient.measures))
        visit = None
        if recipient.status == WelfareRecipient.Status.ACTIVE:
            interval = months[recipient.category]
            visit = VisitPlan(
                months=interval,
                last_visit=recipient.last_visit,
                next_due=recipient.next_visit_on(recipient.last_visit, interval),
                due=recipient.pk in due,
            )
        cards.append(
            PersonCard(
                title=_("帮扶对象：%(category)s") % {"category": category},
                url=admin_url(recipient),
                name=recipient.name,
                community=recipient.community.name,
                fields=fields,
                timeline=[
                    TimelineEntry(
                        date=record.date,
                        text=" ".join(
                            filter(None, [record.get_kind_display(), record.note])
                        ),
                        amount=record.amount or None,
                        url=admin_url(record),
                        photos=tuple(
                            (photo.thumbnail_url, photo.display_url)
                            for photo in record.photos.all()
                        ),
                    )
                    for record in history
                ],
                visit=visit,
                categories=[category],
                last_visit=recipient.last_visit,
                paid_this_year=paid_year,
                paid_total=paid_total,
            )
        )
    return cards


def assistance_record_cards(records, **_options):
    """Return no cards: the records show in their recipient's timeline."""
    return []


def due_visits(on):
    """Return the recipients due a visit on a day (the to-do)."""
    return WelfareRecipient.objects.due_visit(on=on)
