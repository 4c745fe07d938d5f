"""A filter in words, as export logs, file names and the changelist's line show it."""

from collections.abc import Iterable

from devzone.validators import mask_numbers_in_text

NO_FILTER = "全部"


def filters_in_words(parts: Iterable[tuple[str, str]], *, none: str = NO_FILTER) -> str:
    """Return (label, text) pairs as "状态：已签约；搜索：普善", numbers masked."""
    text = "；".join(f"{label}：{value}" for label, value in parts)
    return mask_numbers_in_text(text) or none
