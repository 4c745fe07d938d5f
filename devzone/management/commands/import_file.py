"""Import a spreadsheet from the command line, as the admin's import would."""

import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from devzone import registry
from devzone.personal import may_unmask
from devzone.spreadsheets.formats import detected_encoding, read_dataset
from devzone.spreadsheets.mapping import LEAVE_OUT, mapping_checked, mapping_of
from devzone.spreadsheets.pipeline import confirm, preview, succeeded
from devzone.spreadsheets.results import ImportFileError, error_lines, import_counts
from devzone.spreadsheets.runs import ImportRun
from devzone.spreadsheets.uploads import Upload, file_sha256

BAR_WIDTH = 30


def find_dataset(name: str) -> registry.Dataset:
    """Return the dataset named by its key (devzone.community) or label."""
    for dataset in registry.datasets.values():
        if name in (dataset.key, dataset.label):
            return dataset
    known = "、".join(f"{d.key}（{d.label}）" for d in registry.datasets.values())
    raise CommandError(f"没有名为“{name}”的数据集。可用的数据集：{known}")


def unreadable(error: OSError) -> str:
    """Return why a file cannot be read, in Chinese (the system says it in English)."""
    if isinstance(error, FileNotFoundError):
        return "文件不存在，请检查路径。"
    if isinstance(error, IsADirectoryError):
        return "这是一个文件夹，请给出其中的文件。"
    if isinstance(error, PermissionError):
        return "没有读取该文件的权限。"
    return f"读取出错（{type(error).__name__}）。"


class ProgressBar:
    """A line on standard error that shows how far an import has come."""

    def __init__(self, stream, label: str) -> None:
        self.stream = stream
        self.label = label
        self.shown = -1

    def __call__(self, done: int, total: int) -> None:
        percent = 100 if not total else min(100, done * 100 // total)
        if percent == self.shown:
            return
        self.shown = percent
        filled = BAR_WIDTH * percent // 100
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        end = "\n" if percent == 100 else ""
        self.stream.write(f"\r{self.label} [{bar}] {percent:3d}%  共 {total:,} 行{end}")
        self.stream.flush()


class Command(BaseCommand):
    help = (
        "导入一个 XLSX、XLS、ODS、CSV 或文本文件，可有多个工作表（与后台导入同样的检查："
        "身份证号、关联记录、唯一性、管辖范围；有任何一行出错则整个文件都不导入）。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "dataset", help="数据集，例如 devzone.community 或“村/社区”"
        )
        parser.add_argument(
            "file", help="XLSX、XLS、ODS，或 CSV/文本文件（UTF-8、GBK 或 UTF-16）"
        )
        parser.add_argument(
            "--user", required=True, help="以哪位用户的身份导入（其权限和管辖范围）"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="只检查并统计，不保存任何数据"
        )
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="文件列名=字段列名",
            help="文件中某一列对应的列（或“不导入”），可多次给出；"
            "与该用户在后台保存的对应关系一起使用，此处给出的优先",
        )

    def handle(self, *args, **options):
        dataset = find_dataset(options["dataset"])
        user = self.user(options["user"], dataset)
        path = Path(options["file"])
        started = time.monotonic()
        try:
            # Read from where it is as it is parsed, never held whole.
            sha256 = file_sha256(path)
            rows = read_dataset(path, path.name)
            encoding = detected_encoding(path)
        except OSError as exc:
            raise CommandError(f"无法读取文件 {path}：{unreadable(exc)}") from None
        except ImportFileError as exc:
            raise CommandError(str(exc)) from None
        upload = Upload(
            name="",  # read from where it is, not kept in the upload folder
            owner_id=user.pk,
            original_name=path.name,
            sha256=sha256,
            encoding=encoding,
            created=time.time(),
        )
        run = ImportRun.of(
            dataset.resource,
            {
                "user": user,
                "unmasked": may_unmask(user, dataset.model),
                "column_map": self.column_map(options["map"], user, dataset),
            },
            user=user,
            dataset=rows,
            upload=upload,
            on_progress=ProgressBar(self.stderr, "导入中"),
        )
        # The admin's two steps: a dry run is the preview, an import the confirmation.
        result = preview(run) if options["dry_run"] else confirm(run)
        if not succeeded(result):
            lines = "\n".join(error_lines(result))
            raise CommandError(f"导入未执行，没有保存任何数据：\n{lines}")
        counts = import_counts(result)
        seconds = time.monotonic() - started
        for note in getattr(result, "file_notes", []):
            self.stdout.write(note)  # titles, totals, columns left out
        verb = "检查完成（未保存）" if options["dry_run"] else "导入完成"
        self.stdout.write(
            f"{verb}：新增 {counts['new']:,} 条，更新 {counts['update']:,} 条，"
            f"未变 {counts['skip']:,} 条，用时 {seconds:.1f} 秒。"
        )

    def column_map(self, pairs, user, dataset: registry.Dataset) -> dict[str, str]:
        """Return the user's saved column mapping with ``--map`` over it."""
        fields = dataset.resource().fields
        choices = [f.column_name for f in fields.values() if not f.readonly]
        named = {name: f.column_name for name, f in fields.items() if not f.readonly}
        given = []
        for pair in pairs:
            name, sign, column = pair.partition("=")
            if not sign:
                raise CommandError(
                    f"--map “{pair}”的写法有误：应写作 文件列名=字段列名，"
                    "例如 --map 户主名=户主姓名。"
                )
            given.append((name, named.get(column.strip(), column)))
        saved = {
            key: column
            for key, column in mapping_of(user, dataset.key).items()
            if not column or column in choices
        }
        try:
            merged = {**saved, **mapping_checked(given, choices)}
            return mapping_checked(
                [(key, column or LEAVE_OUT) for key, column in merged.items()], choices
            )
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None

    def user(self, username: str, dataset: registry.Dataset):
        try:
            user = get_user_model().objects.get(username=username, is_active=True)
        except get_user_model().DoesNotExist:
            raise CommandError(f"没有名为“{username}”的有效用户。") from None
        opts = dataset.model._meta
        if not user.has_perm(f"{opts.app_label}.import_{opts.model_name}"):
            raise CommandError(f"用户“{username}”没有导入“{dataset.label}”的权限。")
        return user
