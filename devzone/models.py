from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from devzone.audit import audit_history
from devzone.constraints import (
    FieldCheck,
    FieldUnique,
    year_range,
)
from devzone.rules import RowRule, row_rule_errors
from devzone.scope import Scope
from devzone.sealed_writes import SealedFieldsModel, SealedFieldsQuerySet
from devzone.validators import validate_plain_text

# Every record can be imported and exported; each needs its own permission.
DEFAULT_PERMISSIONS = ("add", "change", "delete", "view", "import", "export")


class TimeStampedModel(SealedFieldsModel):
    """A record with creation and change times, whose constraint errors name a column.

    A constraint names its column itself (``devzone.constraints.FieldCheck`` and
    ``FieldUnique``): Django reports a CheckConstraint against the whole row, and an
    import's error line or a form could not say which cell to correct.

    ``clean_fields`` holds the two rules that concern every record's own cells, so
    that admin forms and imports (both call ``full_clean``) meet the same rules,
    defined once here rather than on each field: no text cell holds a control
    character (devzone.validators.validate_plain_text), and no date in
    ``past_date_fields`` (a day something happened) lies after today — a rule the
    database cannot state, as "today" moves.

    ``save(update_fields=…)`` writes a sealed field's siblings with it
    (``devzone.sealed_writes``).
    """

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    past_date_fields: tuple[str, ...] = ()
    # Rules between values that no constraint can state (devzone.rules.RowRule).
    row_rules: tuple[RowRule, ...] = ()

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        errors = row_rule_errors(self)
        if errors:
            raise ValidationError(errors)

    def clean_fields(self, exclude=None):
        errors: dict[str, list] = {}
        try:
            super().clean_fields(exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        skip = set(exclude or ()) | set(errors)
        for field in self._meta.concrete_fields:
            if field.name in skip:
                continue
            value = getattr(self, field.attname)
            field_errors = self.cell_errors(field, value)
            if field_errors:
                errors.setdefault(field.name, []).extend(field_errors)
        if errors:
            raise ValidationError(errors)

    @classmethod
    def cell_errors(cls, field, value) -> list[ValidationError]:
        """Return what the two rules of every record's cells say of one value.

        Called per record by ``clean_fields`` and per distinct value by the
        set-based import (devzone.spreadsheets.engine), which checks a column at once.
        """
        try:
            if isinstance(field, models.CharField | models.TextField):
                validate_plain_text(
                    value, multiline=isinstance(field, models.TextField)
                )
            elif field.name in cls.past_date_fields and value is not None:
                today = timezone.localdate()
                if value > today:
                    raise ValidationError(
                        _("%(field)s不能晚于今天（%(today)s）。"),
                        code="future_date",
                        params={
                            "field": field.verbose_name,
                            "today": today.isoformat(),
                        },
                    )
        except ValidationError as error:
            return list(error.error_list)
        return []


class CommunityScopedQuerySet(SealedFieldsQuerySet):
    """Rows that belong to a community; the one place community scoping applies.

    ``community_field`` is the path to the row's community; ``user_scoped`` says
    whether a community worker sees only their own communities' rows
    (``devzone.scope``). Its update() and bulk_update() write a sealed field's
    siblings with it (``devzone.sealed_writes``).
    """

    community_field = "community"
    user_scoped = True

    def in_communities(self, communities):
        """Return rows of the given communities (instances or ids)."""
        return self.filter(**{f"{self.community_field}__in": communities})

    def within(self, scope):
        """Return the rows within a community scope (``devzone.scope.Scope``)."""
        return scope.filter(self)

    def visible_to(self, user):
        """Return the rows within the user's community scope."""
        return self.within(Scope.of(user))


class CommunityQuerySet(models.QuerySet):
    def within(self, scope):
        """Return the communities of a scope (all of them for the whole zone)."""
        return scope.filter(self)

    def visible_to(self, user):
        """Return the communities the user works in (all of them for zone-wide staff)."""
        return self.within(Scope.of(user))

    def with_home_care_center(self):
        """Return communities with a home-care service centre built."""
        return self.filter(has_home_care_center=True)


class Community(TimeStampedModel):
    class Kind(models.TextChoices):
        VILLAGE = "village", _("村")
        COMMUNITY = "community", _("社区")

    name = models.CharField(_("名称"), max_length=50, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind)
    subdistrict = models.CharField(_("所属街道"), max_length=50, default="曲阿街道")
    statistical_code = models.CharField(
        _("统计用区划代码"),
        max_length=12,
        blank=True,
        default="",
        validators=[
            RegexValidator(r"^[0-9]{12}$", _("统计用区划代码应为 12 位数字。"))
        ],
    )
    has_home_care_center = models.BooleanField(_("建成居家养老服务中心"), default=False)
    has_party_service_center = models.BooleanField(
        _("党群服务中心标准化建设"), default=False
    )

    objects = CommunityQuerySet.as_manager()

    history = audit_history()

    class Meta:
        verbose_name = verbose_name_plural = _("村/社区")
        ordering = ["name"]
        default_permissions = DEFAULT_PERMISSIONS
        constraints = [
            FieldUnique(
                field="statistical_code",
                fields=["statistical_code"],
                condition=~Q(statistical_code=""),
                name="devzone_community_code_unique",
                violation_error_message=_("统计用区划代码已被其他村/社区使用。"),
            ),
            FieldCheck(
                field="statistical_code",
                condition=Q(statistical_code="")
                | Q(statistical_code__regex=r"^[0-9]{12}$"),
                name="devzone_community_code_12_digits",
                violation_error_message=_("统计用区划代码应为 12 位数字。"),
            ),
        ]

    def __str__(self):
        return self.name


class AreaPlanStatus(models.TextChoices):
    NONE = "none", _("未编制")
    DRAFTING = "drafting", _("编制中")
    APPROVED = "approved", _("已批复")


class Area(TimeStampedModel):
    PlanStatus = AreaPlanStatus

    name = models.CharField(_("名称"), max_length=50, unique=True)
    plan_status = models.CharField(
        _("控规状态"), max_length=16, choices=PlanStatus, default=PlanStatus.NONE
    )
    approved_on = models.DateField(_("批复日期"), null=True, blank=True)
    note = models.TextField(_("备注"), blank=True, default="")

    history = audit_history()
    past_date_fields = ("approved_on",)

    class Meta:
        verbose_name = verbose_name_plural = _("片区")
        ordering = ["name"]
        default_permissions = DEFAULT_PERMISSIONS
        constraints = [
            FieldCheck(
                field="approved_on",
                condition=Q(
                    plan_status=AreaPlanStatus.APPROVED, approved_on__isnull=False
                )
                | (
                    ~Q(plan_status=AreaPlanStatus.APPROVED)
                    & Q(approved_on__isnull=True)
                ),
                name="devzone_area_approved_has_date",
                violation_error_message=_(
                    "已批复的控规必须填写批复日期，未批复的不能填写。"
                ),
            ),
        ]

    def __str__(self):
        return self.name


class AnnualIndicatorQuerySet(models.QuerySet):
    def for_year(self, year):
        """Return the indicators of one year."""
        return self.filter(year=year)


class AnnualIndicator(TimeStampedModel):
    year = models.PositiveSmallIntegerField(_("年度"))
    name = models.CharField(_("指标名称"), max_length=100)
    value = models.DecimalField(_("数值"), max_digits=18, decimal_places=4)
    unit = models.CharField(_("单位"), max_length=20)
    source = models.CharField(_("来源"), max_length=100, blank=True, default="")

    objects = AnnualIndicatorQuerySet.as_manager()

    history = audit_history()

    class Meta:
        verbose_name = verbose_name_plural = _("年度指标")
        ordering = ["-year", "name"]
        default_permissions = DEFAULT_PERMISSIONS
        constraints = [
            FieldUnique(
                field="name",
                fields=["year", "name"],
                name="devzone_indicator_year_name_unique",
                violation_error_message=_("同一年度的指标名称不能重复。"),
            ),
            year_range("year", name="devzone_indicator_year_range"),
        ]

    def __str__(self):
        return f"{self.year} {self.name}"


class StaffProfile(TimeStampedModel):
    class Department(models.TextChoices):
        PARTY = "party", _("党建办")
        PROJECTS = "projects", _("项目办")
        CONSTRUCTION = "construction", _("建设局")
        ENVIRONMENT = "environment", _("环保")
        CITY = "city", _("城管")
        SOCIAL = "social", _("社会事业局")
        CIVIL = "civil", _("民政")
        SUBDISTRICT = "subdistrict", _("街道")
        COMMUNITY = "community", _("村/社区")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="staff_profile",
    )
    department = models.CharField(_("部门"), max_length=16, choices=Department)
    communities = models.ManyToManyField(
        Community, verbose_name=_("负责村/社区"), blank=True, related_name="staff"
    )
    title = models.CharField(_("职务"), max_length=50, blank=True, default="")

    history = audit_history()

    class Meta:
        verbose_name = verbose_name_plural = _("工作人员")
        ordering = ["user__username"]
        default_permissions = DEFAULT_PERMISSIONS

    def __str__(self):
        return self.user.get_full_name() or self.user.get_username()


class ExportLog(models.Model):
    """One download of records: who, what, which filter, how many rows."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.PROTECT,
        related_name="export_logs",
    )
    dataset = models.CharField(_("数据集"), max_length=100)
    model = models.CharField(_("模型"), max_length=100)
    filters = models.TextField(_("筛选条件"), blank=True, default="")
    row_count = models.PositiveIntegerField(_("行数"))
    file_format = models.CharField(_("格式"), max_length=10)
    personal_data = models.BooleanField(_("含未脱敏个人信息"), default=False)
    columns = models.TextField(_("导出的列"), blank=True, default="")
    created_at = models.DateTimeField(_("导出时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = _("导出记录")
        ordering = ["-created_at"]
        default_permissions = ("view",)

    def __str__(self):
        return f"{self.user} {self.dataset} {self.row_count}"


class ImportBatchQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Return the batches of the record families the user's department keeps.

        A department keeps the records it may change; an import's file name and
        counts are no business of the others. The superuser sees every batch.
        """
        if user.is_superuser:
            return self
        kept = {
            f"{app_label}.{codename.removeprefix('change_')}"
            for app_label, _dot, codename in (
                permission.partition(".") for permission in user.get_all_permissions()
            )
            if codename.startswith("change_")
        }
        return self.filter(model__in=kept)


class ImportBatch(models.Model):
    """One confirmed import: who, which file (as uploaded), what it changed.

    The historical rows the import wrote name their batch, so it can be undone.
    """

    class Status(models.TextChoices):
        DONE = "done", _("已导入")
        UNDONE = "undone", _("已撤销")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.PROTECT,
        related_name="import_batches",
    )
    dataset = models.CharField(_("数据集"), max_length=100)
    model = models.CharField(_("模型"), max_length=100)
    file_name = models.CharField(_("文件名"), max_length=255)
    file_hash = models.CharField(_("文件 SHA-256"), max_length=64, blank=True)
    encoding = models.CharField(_("文件编码"), max_length=20, blank=True)
    new_count = models.PositiveIntegerField(_("新增"), default=0)
    update_count = models.PositiveIntegerField(_("更新"), default=0)
    skip_count = models.PositiveIntegerField(_("未变"), default=0)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status, default=Status.DONE
    )
    created_at = models.DateTimeField(_("导入时间"), auto_now_add=True, db_index=True)
    undone_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤销人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("导入批次")
        ordering = ["-created_at"]
        default_permissions = ("view",)
        permissions = [("undo_importbatch", _("撤销导入"))]

    def __str__(self):
        return f"#{self.pk} {self.dataset} {self.file_name}"

    def record_model(self):
        """Return the model class of the records this batch imported."""
        from django.apps import apps

        return apps.get_model(self.model)


class PersonalDataAccess(models.Model):
    """One look at residents' full numbers, or one answer about a hidden number.

    Holders of the personal-data permission leave a row for every list, record,
    preview and history they see unmasked; everyone else leaves one for each answer
    that depends on a full number they were not shown (a search, a filter, import
    rows matched by it, a form checked against it), and is refused past
    ``DEVZONE_PERSONAL_LOOKUPS_PER_DAY`` of them (``row_count`` lookups a row).
    Written through ``devzone.personal``.
    """

    class Kind(models.TextChoices):
        LOOKUP = "lookup", _("按完整号码查找")
        REFUSED = "refused", _("查找被拒绝（超出每日次数）")
        LIST = "list", _("查看列表（未脱敏）")
        RECORD = "record", _("查看记录（未脱敏）")
        PREVIEW = "preview", _("查看导出预览（未脱敏）")
        HISTORY = "history", _("查看修改历史（未脱敏）")
        PERSON = "person", _("查看一人一档")

    class Channel(models.TextChoices):
        SEARCH = "search", _("搜索")
        FILTER = "filter", _("导出中心筛选")
        IMPORT = "import", _("导入核对")
        FORM = "form", _("录入核对")
        LIST = "list", _("列表")
        RECORD = "record", _("记录页")
        PREVIEW = "preview", _("导出预览")
        HISTORY = "history", _("修改历史")
        PERSON = "person", _("一人一档")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind)
    channel = models.CharField(
        _("途径"), max_length=10, choices=Channel, blank=True, default=""
    )
    model = models.CharField(_("模型"), max_length=100)
    target = models.TextField(_("记录或条件"), blank=True, default="")
    row_count = models.PositiveIntegerField(_("行数"), null=True, blank=True)
    columns = models.CharField(_("未脱敏的列"), max_length=500, blank=True, default="")
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = _("个人信息访问记录")
        ordering = ["-created_at"]
        default_permissions = ("view",)
        indexes = [
            models.Index(
                fields=["user", "kind", "created_at"], name="devzone_pda_user_kind"
            )
        ]

    def __str__(self):
        return f"{self.user} {self.get_kind_display()} {self.target}"


class AuditEvent(models.Model):
    """One event of the security log: a login, a refusal, a change of rights, a read.

    Written through ``devzone.audit_events``; never changed (``devzone.append_only``).
    The user's name is copied, so the row still says who after the user is gone.
    """

    class Action(models.TextChoices):
        LOGIN = "login", _("登录")
        LOGIN_FAILED = "login_failed", _("登录失败")
        LOGOUT = "logout", _("退出")
        DENIED = "denied", _("拒绝访问")
        USER_CHANGE = "user_change", _("修改用户、组或权限")
        LOG_READ = "log_read", _("查看日志")
        SUPERUSER = "superuser", _("超级管理员操作")

    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    # No constraint and no cascade: removing a user changes none of its events.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    username = models.CharField(_("用户名"), max_length=150, blank=True, default="")
    action = models.CharField(_("事件"), max_length=20, choices=Action)
    target = models.TextField(_("对象"), blank=True, default="")
    result = models.CharField(_("结果"), max_length=200, blank=True, default="")
    client_ip = models.GenericIPAddressField(_("客户端地址"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("安全审计事件")
        ordering = ["-created_at"]
        default_permissions = ("view",)

    def __str__(self):
        return f"{self.username} {self.get_action_display()} {self.target}"


class AuditSeal(models.Model):
    """One link of the log's hash chain: the rows first_id..last_id of one table.

    ``digest`` is HMAC-SM3 over ``prev``, the table, the range and every row's
    content in ``columns`` (``devzone.audit_seal``); ``prev`` is the link before, so a row changed
    or removed by hand, or a link removed, breaks the chain ``verify_audit`` checks.
    """

    table = models.CharField(_("表"), max_length=100)
    first_id = models.BigIntegerField(_("首行"))
    last_id = models.BigIntegerField(_("末行"))
    row_count = models.PositiveIntegerField(_("行数"))
    algorithm = models.CharField(_("算法"), max_length=20)
    prev = models.CharField(_("前一链接"), max_length=64)
    digest = models.CharField(_("摘要"), max_length=64)
    # The columns the digest covers, in their order; null for a seal made before
    # seals named theirs whose rows no longer give its digest (tampered).
    columns = models.JSONField(_("覆盖的列"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = _("审计日志封签")
        ordering = ["id"]
        default_permissions = ("view",)
        constraints = [
            # Two sealers that read the same last link cannot both append to it.
            models.UniqueConstraint(fields=["prev"], name="devzone_auditseal_one_next")
        ]

    def __str__(self):
        return f"#{self.pk} {self.table} {self.first_id}–{self.last_id}"


class PersonKey(models.Model):
    """The opaque key of a person page: an HMAC of the ID number, never the number.

    The number itself is kept sealed (``devzone.sealing``), found by its digest.

    A page address holds the key, so the number reaches no browser history, proxy
    or access log; the key cannot be turned back into a number without this table.
    """

    key = models.CharField(_("页面标识"), max_length=64, unique=True)
    # The number sealed (devzone.sealing), found by its blind index.
    id_number = models.CharField(_("身份证号（密文）"), max_length=100)
    id_number_digest = models.CharField(
        _("身份证号检索摘要"), max_length=64, unique=True
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = _("一人一档页面标识")
        default_permissions = ()

    def __str__(self):
        return self.key


class NoticeQuerySet(models.QuerySet):
    def unread(self):
        """Return the notices not yet read."""
        return self.filter(read_at__isnull=True)


class Notice(models.Model):
    """An in-app notice to one user (通知), e.g. the day's to-do reminder.

    ``key`` names what the notice is about (``todo:2026-12-06``): one notice per
    user and key, which makes ``send_reminders`` safe to run twice, or from two
    servers at once.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notices",
    )
    key = models.CharField(_("通知标识"), max_length=100)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True, default="")
    url = models.CharField(_("链接"), max_length=500, blank=True, default="")
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"], name="devzone_notice_user_key_unique"
            )
        ]
        indexes = [
            models.Index(fields=["user", "read_at"], name="devzone_notice_unread")
        ]

    def __str__(self):
        return self.title


class ColumnMapping(models.Model):
    """A user's reading of a column name of their ledger: a field, or 不导入.

    Saved from the import preview (or given to ``import_file`` as ``--map``) for
    one user and one dataset; the next file of the same ledger is read with it.
    Only a column the dataset's own names do not match is mapped.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="column_mappings",
    )
    dataset = models.CharField(_("数据集"), max_length=100)
    file_column = models.CharField(_("文件中的列名"), max_length=100)
    column = models.CharField(
        _("对应的列"), max_length=100, blank=True, help_text=_("为空表示不导入")
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = _("列的对应关系")
        ordering = ["dataset", "file_column"]
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dataset", "file_column"],
                name="devzone_columnmapping_one_per_column",
            )
        ]

    def __str__(self):
        return f"{self.file_column} → {self.column or '不导入'}"


class PasswordHistory(models.Model):
    """A password a user had: its hash, when it was set, and whether by someone else.

    The latest row tells when the password expires and whether it must be changed
    (set by an administrator); the last five refuse a reused password
    (``devzone.accounts.passwords``).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="password_history",
    )
    password = models.CharField(_("密码摘要"), max_length=128)
    created_at = models.DateTimeField(_("设置时间"), default=timezone.now)
    set_by_other = models.BooleanField(_("由管理员设置"), default=False)

    class Meta:
        verbose_name = verbose_name_plural = _("历史密码")
        ordering = ["-created_at", "-id"]
        default_permissions = ()
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self):
        return f"{self.user} {self.created_at:%Y-%m-%d}"
