"""Invented people of 丹阳 for demo and benchmark data: names, ID numbers, phones.

``People(seed)`` draws everything from one ``random.Random``, so the same seed and the
same calls give the same people. Each ID number carries 丹阳's region code, a real
birth date and the check character of ``devzone.validators``; none repeats within
one ``People``. Example::

    people = People(2021)
    people.name(), people.id_number(), people.phone()
"""

import datetime
import random

from devzone.validators import id_check_character

REGION = "321181"
SURNAMES = "张王李陈刘吴徐孙朱周贺眭束殷蒋汤丁荆姜韦虞谈贡吉"
GIVEN_NAMES = (
    "建国志强秀英桂芳玉兰明华春梅小红国平金凤文军海燕丽娟德胜永林晓东雪琴红霞伟成"
)
PHONE_PREFIXES = ("139", "138", "151", "158", "180", "187", "177")


def day_between(
    rng: random.Random, first: datetime.date, last: datetime.date
) -> datetime.date:
    """Return a day from first to last, both included."""
    return first + datetime.timedelta(days=rng.randrange((last - first).days + 1))


def day_in(
    rng: random.Random, year: int, first_month: int = 1, last_month: int = 12
) -> datetime.date:
    """Return a day of the year, from first_month to the end of last_month."""
    first = datetime.date(year, first_month, 1)
    if last_month == 12:
        last = datetime.date(year, 12, 31)
    else:
        last = datetime.date(year, last_month + 1, 1) - datetime.timedelta(days=1)
    return day_between(rng, first, last)


class People:
    """Invented people drawn from one seeded random generator.

    ``rng`` is that generator: callers may draw their own values from it, which keeps
    one seed for a whole data set. ``ids`` holds the ID numbers handed out so far.
    """

    def __init__(self, seed: int | random.Random):
        self.rng = seed if isinstance(seed, random.Random) else random.Random(seed)
        self.ids: set[str] = set()

    def surname(self) -> str:
        """Return a surname common in 丹阳."""
        return self.rng.choice(SURNAMES)

    def name(self, surname: str | None = None) -> str:
        """Return a name of two or three characters, with the surname if given."""
        surname = surname or self.surname()
        given = self.rng.choice(GIVEN_NAMES[::2]) + self.rng.choice(GIVEN_NAMES[1::2])
        return surname + given[: self.rng.choice((1, 2))]

    def birth(self, first_year: int, last_year: int) -> datetime.date:
        """Return a birth date from 1 January first_year to 30 December last_year."""
        first = datetime.date(first_year, 1, 1)
        last = datetime.date(last_year, 12, 31)
        return first + datetime.timedelta(days=self.rng.randrange((last - first).days))

    def id_number(
        self, birth: datetime.date | None = None, *, male: bool | None = None
    ) -> str:
        """Return a new valid ID number of 丹阳 (an adult's unless birth is given)."""
        birth = birth or self.birth(1940, 1994)
        male = self.rng.random() < 0.5 if male is None else male
        while True:
            sequence = self.rng.randrange(0, 1000)
            if sequence % 2 != int(male):
                sequence = (sequence + 1) % 1000
            first17 = f"{REGION}{birth:%Y%m%d}{sequence:03d}"
            number = first17 + id_check_character(first17)
            if number not in self.ids:
                self.ids.add(number)
                return number

    def phone(self) -> str:
        """Return an 11-digit mobile number."""
        prefix = self.rng.choice(PHONE_PREFIXES)
        return prefix + f"{self.rng.randrange(10**8):08d}"
