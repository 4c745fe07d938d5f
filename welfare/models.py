"""Recipients of assistance and what they received: the zone's most sensitive records."""

from django.db import models
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from devzone.audit import audit_history
from devzone.constraints import FieldCheck, FieldUnique, non_negative, year_range
from devzone.fields import IdNumberField, PhoneField, SealedSibling
from devzone.models import (
    DEFAULT_PERMISSIONS,
    CommunityScopedQuerySet,
    TimeStampedModel,
)
from devzone.photos.models import Photo, PhotoQuerySet
from devzone.rules import RowRule
from devzone.validators import MALE_DIGITS, id_birth_date, id_is_male

CHILD_AGE = 18
SENIOR_AGE = 60


def years_before(day, years):
    """Return the same calendar day ``years`` earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def age_on(birth_date, day):
    """Return the age in whole years on ``day`` of someone born on ``birth_date``."""
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - before_birthday


def add_months(day, months):
    """Return the same day ``months`` later (earlier if negative), clamped to the month."""
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    month += 1
    for last_day in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last_day))
        except ValueError:
            continue
    raise ValueError(day)


def id_date_key(day):
    """Return a date as the 8 characters an ID number stores it in (YYYYMMDD)."""
    return day.strftime("%Y%m%d")


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class AgeBand(models.TextChoices):
    CHILD = "child", _("儿童（未满 18 岁）")
    ADULT = "adult", _("成年（18–59 岁）")
    SENIOR = "senior", _("60 岁以上")


class WelfareRecipientQuerySet(CommunityScopedQuerySet):
    def with_birth_key(self):
        """Return rows annotated with the birth date as written in the ID (YYYYMMDD)."""
        return self.annotate(birth_key=F("id_number_birth"))

    def males(self):
        """Return men and boys (odd sequence digit in the ID number)."""
        return self.annotate(sex_digit=Substr("id_number_masked", 17, 1)).filter(
            sex_digit__in=MALE_DIGITS
        )

    def females(self):
        """Return women and girls (even sequence digit in the ID number)."""
        return self.annotate(sex_digit=Substr("id_number_masked", 17, 1)).exclude(
            sex_digit__in=MALE_DIGITS
        )

    def children(self, on=None):
        """Return those under 18 on the given day (today by default)."""
        on = on or timezone.localdate()
        return self.with_birth_key().filter(
            birth_key__gt=id_date_key(years_before(on, CHILD_AGE))
        )

    def adults(self, on=None):
        """Return those aged 18 to 59 on the given day (today by default)."""
        on = on or timezone.localdate()
        return self.with_birth_key().filter(
            birth_key__lte=id_date_key(years_before(on, CHILD_AGE)),
            birth_key__gt=id_date_key(years_before(on, SENIOR_AGE)),
        )

    def seniors(self, on=None):
        """Return those aged 60 or more on the given day (today by default)."""
        on = on or timezone.localdate()
        return self.with_birth_key().filter(
            birth_key__lte=id_date_key(years_before(on, SENIOR_AGE))
        )

    def of_gender(self, gender):
        """Return recipients of one Gender (any other value filters nothing)."""
        if gender == Gender.MALE:
            return self.males()
        if gender == Gender.FEMALE:
            return self.females()
        return self

    def in_age_band(self, band, on=None):
        """Return recipients in one AgeBand on the given day (any other value: all)."""
        method = {
            AgeBand.CHILD: self.children,
            AgeBand.ADULT: self.adults,
            AgeBand.SENIOR: self.seniors,
        }.get(band)
        return method(on) if method else self

    def of_category(self, *categories):
        """Return recipients of the given categories."""
        return self.filter(category__in=categories)

    def households_in_difficulty(self):
        """Return the households in difficulty (困难户)."""
        return self.filter(category=WelfareRecipient.Category.HARDSHIP)

    def in_batch(self, year, batch):
        """Return recipients identified in one batch of one year (e.g. 2021 第二批)."""
        return self.filter(batch_year=year, batch=batch)

    def by_cause(self, cause):
        """Return recipients whose difficulty has the given cause."""
        return self.filter(cause=cause)

    def on_register_at(self, day):
        """Return recipients identified by ``day`` and not yet exited on it."""
        return self.filter(identified_on__lte=day).filter(
            Q(exited_on__isnull=True) | Q(exited_on__gt=day)
        )

    def active(self):
        """Return the recipients on the register (在册)."""
        return self.filter(status=RecipientStatus.ACTIVE)

    def with_last_visit(self):
        """Return rows annotated with ``last_visit``: the date of the latest visit."""
        visits = (
            AssistanceRecord.objects.filter(
                recipient=OuterRef("pk"), kind=AssistanceRecord.Kind.VISIT
            )
            .order_by("-date")
            .values("date")[:1]
        )
        return self.annotate(
            last_visit=Subquery(visits, output_field=models.DateField())
        )

    def due_visit(self, on=None):
        """Return the recipients on the register due a visit on the given day.

        Due when their category's interval (VisitInterval) has passed since the
        last visit, or since they were identified if never visited.
        """
        on = on or timezone.localdate()
        due = Q(pk__in=[])
        for category, months in VisitInterval.months_by_category().items():
            cutoff = add_months(on, -months)
            due |= Q(category=category) & (
                Q(last_visit__lte=cutoff)
                | Q(last_visit__isnull=True, identified_on__lte=cutoff)
            )
        return self.active().with_last_visit().filter(due)

    def count_by_category(self):
        """Return a dict: category value -> number of recipients."""
        return dict(self.order_by().values_list("category").annotate(total=Count("pk")))

    def with_paid_in_year(self, year):
        """Return rows annotated with ``paid_in_year``: the sum of the year's records."""
        # A subquery, not a join and GROUP BY: a list page sums its own 50 rows'
        # records instead of grouping the whole table before taking the first page.
        paid = (
            AssistanceRecord.objects.filter(recipient=OuterRef("pk"), date__year=year)
            .order_by()
            .values("recipient")
            .annotate(total=Sum("amount"))
            .values("total")
        )
        return self.annotate(
            paid_in_year=Coalesce(
                Subquery(paid, output_field=models.DecimalField()),
                models.Value(0, output_field=models.DecimalField()),
                output_field=models.DecimalField(),
            )
        )


class RecipientCategory(models.TextChoices):
    HARDSHIP = "hardship", _("困难户")
    SUBSISTENCE = "subsistence", _("低保户")
    EXTREME_POVERTY = "extreme_poverty", _("特困供养")
    LEFT_BEHIND_CHILD = "left_behind_child", _("留守儿童")
    DISTRESSED_CHILD = "distressed_child", _("困境儿童")
    ELDERLY_ALONE = "elderly_alone", _("空巢老人")
    DISABLED = "disabled", _("残疾人")
    VETERAN = "veteran", _("退役军人")


# How often staff visit a recipient of each category, in months, unless a
# VisitInterval row (editable in the admin) says otherwise.
DEFAULT_VISIT_MONTHS: dict[str, int] = {
    RecipientCategory.LEFT_BEHIND_CHILD: 1,
    RecipientCategory.DISTRESSED_CHILD: 1,
    RecipientCategory.EXTREME_POVERTY: 2,
    RecipientCategory.ELDERLY_ALONE: 2,
}
OTHER_VISIT_MONTHS = 3


class VisitInterval(TimeStampedModel):
    """How often recipients of one category are visited (走访间隔)."""

    category = models.CharField(
        _("帮扶类别"), max_length=24, choices=RecipientCategory, unique=True
    )
    months = models.PositiveSmallIntegerField(
        _("走访间隔（月）"), help_text=_("两次走访慰问之间最多相隔的月数。")
    )

    history = audit_history()

    class Meta:
        verbose_name = verbose_name_plural = _("走访间隔")
        ordering = ["months", "category"]
        default_permissions = DEFAULT_PERMISSIONS
        constraints = [
            FieldCheck(
                field="months",
                condition=Q(months__gte=1, months__lte=24),
                name="welfare_visit_interval_months_range",
                violation_error_message=_("走访间隔应在 1 到 24 个月之间。"),
            ),
        ]

    def __str__(self):
        return f"{self.get_category_display()}：每 {self.months} 个月"

    @classmethod
    def months_by_category(cls):
        """Return {category: months} for every category, the defaults filled in."""
        months = {
            category: DEFAULT_VISIT_MONTHS.get(category, OTHER_VISIT_MONTHS)
            for category in RecipientCategory.values
        }
        months.update(cls.objects.values_list("category", "months"))
        return months


class RecipientStatus(models.TextChoices):
    ACTIVE = "active", _("在册")
    EXITED = "exited", _("已退出")


# Declared outside the model so that its Meta.constraints can name them.
CHILD_CATEGORY_VALUES = (
    RecipientCategory.LEFT_BEHIND_CHILD,
    RecipientCategory.DISTRESSED_CHILD,
)


def child_under_age(recipient):
    """Refuse a child category for a person of age on the day identified."""
    # Rules the database cannot state: they read the birth date in the ID.
    # (A child's guardian and the exit date are Meta.constraints.)
    if not recipient.is_child_category or not recipient.identified_on:
        return None
    age = recipient.age_on(recipient.identified_on)
    if age is not None and age >= CHILD_AGE:
        return _(
            "儿童类别要求认定日期时未满 18 周岁；按身份证号，此人在认定日期"
            "已满 %(age)s 周岁。"
        ) % {"age": age}
    return None


def identified_after_birth(recipient):
    """Refuse an identification day before the birth date in the ID number."""
    birth = recipient.birth_date
    if recipient.identified_on and birth and recipient.identified_on < birth:
        return _("认定日期早于身份证号中的出生日期。")
    return None


class WelfareRecipient(TimeStampedModel):
    Category = RecipientCategory

    class Cause(models.TextChoices):
        ILLNESS = "illness", _("因病")
        DISABILITY = "disability", _("因残")
        EDUCATION = "education", _("因学")
        DISASTER = "disaster", _("因灾")
        OTHER = "other", _("其他")

    class Batch(models.TextChoices):
        FIRST = "first", _("第一批")
        SECOND = "second", _("第二批")
        THIRD = "third", _("第三批")
        FOURTH = "fourth", _("第四批")

    Status = RecipientStatus

    CHILD_CATEGORIES = CHILD_CATEGORY_VALUES

    name = models.CharField(_("姓名"), max_length=50)
    id_number = IdNumberField(_("身份证号"))
    # Found by the unique rule's index (id_number_digest, category): one of its
    # own, and PostgreSQL's LIKE twin of it, cost two index writes a row.
    id_number_digest = SealedSibling(
        _("身份证号检索摘要"), source="id_number", kind="digest"
    )
    id_number_masked = SealedSibling(
        _("身份证号脱敏副本"), source="id_number", kind="masked"
    )
    id_number_birth = SealedSibling(_("出生日期码"), source="id_number", kind="birth")
    phone = PhoneField(_("联系电话"), blank=True, default="")
    phone_digest = SealedSibling(_("联系电话检索摘要"), source="phone", kind="digest")
    phone_masked = SealedSibling(_("联系电话脱敏副本"), source="phone", kind="masked")
    community = models.ForeignKey(
        "devzone.Community",
        verbose_name=_("村/社区"),
        on_delete=models.PROTECT,
        related_name="welfare_recipients",
    )
    address = models.CharField(_("住址"), max_length=200, blank=True, default="")
    category = models.CharField(_("帮扶类别"), max_length=24, choices=Category)
    cause = models.CharField(
        _("致困原因"), max_length=16, choices=Cause, blank=True, default=""
    )
    batch_year = models.PositiveSmallIntegerField(_("认定年度"))
    batch = models.CharField(_("认定批次"), max_length=16, choices=Batch)
    identified_on = models.DateField(_("认定日期"))
    guardian_name = models.CharField(_("监护人"), max_length=50, blank=True, default="")
    guardian_phone = PhoneField(_("监护人电话"), blank=True, default="")
    guardian_phone_digest = SealedSibling(
        _("监护人电话检索摘要"), source="guardian_phone", kind="digest"
    )
    guardian_phone_masked = SealedSibling(
        _("监护人电话脱敏副本"), source="guardian_phone", kind="masked"
    )
    household_size = models.PositiveSmallIntegerField(_("家庭人口（人）"), default=1)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status, default=Status.ACTIVE
    )
    exited_on = models.DateField(_("退出日期"), null=True, blank=True)
    measures = models.TextField(_("帮扶措施"), blank=True, default="")
    note = models.TextField(_("备注"), blank=True, default="")

    objects = WelfareRecipientQuerySet.as_manager()

    row_rules = (
        RowRule(
            "id_number", ("category", "identified_on", "id_number"), child_under_age
        ),
        RowRule(
            "identified_on", ("identified_on", "id_number"), identified_after_birth
        ),
    )

    history = audit_history()
    past_date_fields = ("identified_on", "exited_on")

    class Meta:
        verbose_name = verbose_name_plural = _("帮扶对象")
        # The base manager (Django's deletions and related objects, devzone's
        # _base_manager reads) is this unfiltered one, so that an update()
        # through it writes the siblings too (devzone.E011).
        base_manager_name = "objects"
        # Ordered by columns one index serves (see the household list in projects).
        ordering = ["community_id", "name", "id"]
        indexes = [
            models.Index(
                fields=["community", "name", "id"], name="welfare_recipient_list"
            ),
            # The admin's exact search by number and its date drill-down.
            models.Index(fields=["phone_digest"], name="welfare_recipient_phone"),
            models.Index(
                fields=["guardian_phone_digest"], name="welfare_recipient_guardian"
            ),
            models.Index(fields=["identified_on"], name="welfare_recipient_identified"),
            # The batch-year filter and its date drill-down (first and last day).
            models.Index(
                fields=["batch_year", "identified_on"], name="welfare_recipient_batch"
            ),
            # The sidebar's filters, counted (and the batch years listed) from the
            # index alone: the sealed numbers made the rows too wide to read for
            # a count (a community worker's category filter: 300 -> 2 ms).
            models.Index(
                fields=["community", "category", "status", "batch_year"],
                include=["cause", "id"],
                name="welfare_recipient_filters",
            ),
        ]
        default_permissions = DEFAULT_PERMISSIONS
        permissions = [("view_personal_data", _("查看未脱敏的身份证号和电话"))]
        constraints = [
            FieldUnique(
                field="id_number",
                fields=["id_number_digest", "category"],
                name="welfare_recipient_id_category_unique",
                violation_error_message=_("同一身份证号在同一帮扶类别中只能登记一次。"),
            ),
            FieldCheck(
                field="guardian_name",
                condition=~Q(category__in=CHILD_CATEGORY_VALUES) | ~Q(guardian_name=""),
                name="welfare_recipient_child_has_guardian",
                violation_error_message=_("留守儿童、困境儿童必须填写监护人。"),
            ),
            FieldCheck(
                field="guardian_phone",
                condition=~Q(category__in=CHILD_CATEGORY_VALUES)
                | ~Q(guardian_phone=""),
                name="welfare_recipient_child_has_guardian_phone",
                violation_error_message=_("留守儿童、困境儿童必须填写监护人电话。"),
            ),
            FieldCheck(
                field="exited_on",
                condition=Q(status=RecipientStatus.EXITED, exited_on__isnull=False)
                | (~Q(status=RecipientStatus.EXITED) & Q(exited_on__isnull=True)),
                name="welfare_recipient_exited_has_date",
                violation_error_message=_(
                    "已退出的帮扶对象必须填写退出日期，在册的不能填写。"
                ),
            ),
            FieldCheck(
                field="exited_on",
                condition=Q(exited_on__isnull=True)
                | Q(exited_on__gte=F("identified_on")),
                name="welfare_recipient_exit_after_identified",
                violation_error_message=_("退出日期不能早于认定日期。"),
            ),
            FieldCheck(
                field="identified_on",
                condition=Q(identified_on__year=F("batch_year")),
                name="welfare_recipient_identified_in_batch_year",
                violation_error_message=_("认定日期应在认定年度之内。"),
            ),
            FieldCheck(
                field="household_size",
                condition=Q(household_size__gte=1, household_size__lte=30),
                name="welfare_recipient_household_size_range",
                violation_error_message=_("家庭人口应在 1 到 30 人之间。"),
            ),
            year_range("batch_year", name="welfare_recipient_batch_year_range"),
        ]

    def __str__(self):
        # Tells two people of one name apart in pickers and history. Of the ID
        # number only its last four, which its mask shows to everyone anyway: this
        # text reaches logs, history and autocomplete.
        parts = [self.get_category_display()]
        if self.community_id:
            parts.append(self.community.name)
        if len(self.id_number or "") > 10:
            parts.append(f"尾号{self.id_number[-4:]}")
        return f"{self.name}（{'·'.join(parts)}）"

    @property
    def birth_date(self):
        """The birth date encoded in the ID number (None if it is malformed)."""
        return id_birth_date(self.id_number or "")

    @property
    def is_male(self):
        """True for a man or boy, by the ID number's sequence digit."""
        try:
            return id_is_male(self.id_number)
        except (TypeError, ValueError, IndexError):
            return None

    @property
    def gender(self):
        """男 or 女, from the ID number ("" if it is malformed)."""
        male = self.is_male
        if male is None:
            return ""
        return str(_("男") if male else _("女"))

    def age_on(self, day):
        """Return the age in whole years on ``day`` (None without a birth date)."""
        birth = self.birth_date
        return None if birth is None else age_on(birth, day)

    @property
    def age(self):
        """The age in whole years today."""
        return self.age_on(timezone.localdate())

    @property
    def is_child_category(self):
        return self.category in self.CHILD_CATEGORIES

    def next_visit_on(self, last_visit, months):
        """Return the day the next visit is due, ``months`` after the last one."""
        return add_months(last_visit or self.identified_on, months)


class AssistanceRecordQuerySet(CommunityScopedQuerySet):
    community_field = "recipient__community"

    def in_year(self, year):
        """Return the records dated in one year."""
        return self.filter(date__year=year)


class AssistanceRecord(TimeStampedModel):
    class Kind(models.TextChoices):
        VISIT = "visit", _("走访慰问")
        CASH = "cash", _("救助金")
        GOODS = "goods", _("物资")
        MEDICAL = "medical", _("医疗救助")
        EDUCATION = "education", _("助学")
        OTHER = "other", _("其他")

    recipient = models.ForeignKey(
        WelfareRecipient,
        verbose_name=_("帮扶对象"),
        on_delete=models.PROTECT,
        related_name="records",
    )
    date = models.DateField(_("日期"))
    kind = models.CharField(_("帮扶方式"), max_length=16, choices=Kind)
    amount = models.DecimalField(
        _("金额（元）"), max_digits=12, decimal_places=2, default=0
    )
    note = models.TextField(_("说明"), blank=True, default="")
    recorded_by = models.CharField(_("记录人"), max_length=50, blank=True, default="")

    objects = AssistanceRecordQuerySet.as_manager()

    history = audit_history()
    past_date_fields = ("date",)

    class Meta:
        verbose_name = verbose_name_plural = _("帮扶记录")
        ordering = ["-date", "id"]
        indexes = [models.Index(fields=["-date", "id"], name="welfare_record_list")]
        default_permissions = DEFAULT_PERMISSIONS
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "date", "kind"],
                name="welfare_record_recipient_date_kind_unique",
                violation_error_message=_(
                    "同一帮扶对象同一天同一帮扶方式只能记录一次。"
                ),
            ),
            non_negative(
                "amount",
                name="welfare_record_amount_nonneg",
                message=_("金额不能为负数。"),
            ),
        ]

    def __str__(self):
        # The recipient's name only: its full label reads the community, a query
        # per row where an import names each row it writes.
        return f"{self.recipient.name} {self.date} {self.get_kind_display()}"


class VisitPhotoQuerySet(PhotoQuerySet):
    community_field = "record__recipient__community"


class VisitPhotoKind(models.TextChoices):
    VISIT = "visit", _("走访")


class VisitPhoto(Photo):
    """A photo taken on a visit (走访) to a recipient: of a person's home, so scoped."""

    Kind = VisitPhotoKind

    record = models.ForeignKey(
        AssistanceRecord,
        verbose_name=_("帮扶记录"),
        on_delete=models.PROTECT,
        related_name="photos",
    )
    kind = models.CharField(
        _("照片类型"), max_length=10, choices=Kind, default=Kind.VISIT
    )

    record_field = "record"

    # django-stubs types the abstract Photo's manager as a ClassVar; this one
    # only narrows it to the subclass's QuerySet.
    objects = VisitPhotoQuerySet.as_manager()  # type: ignore[misc]

    history = audit_history()

    class Meta(Photo.Meta):
        verbose_name = verbose_name_plural = _("走访照片")
        indexes = [models.Index(fields=["record", "kind"], name="welfare_photo_record")]
