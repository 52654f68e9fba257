"""UI strings from gettext catalogs (templates/locale/{lang}/LC_MESSAGES/messages.po) and
dates/numbers per locale, both through Babel."""

from __future__ import annotations

import datetime as dt
import gettext
from io import BytesIO
from pathlib import Path

from babel.dates import format_date, format_interval
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

DOMAIN = "messages"


def load_translations(locale_dir: Path, lang: str) -> gettext.NullTranslations:
    """Compile the .po catalog in memory, so no binary .mo file is kept in the repository."""
    po = locale_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po.exists():
        return gettext.NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def long_date(value: dt.date, lang: str) -> str:
    """26 September 2022 / 26 de septiembre de 2022."""
    return format_date(value, format="long", locale=lang)


def date_range(start: dt.date, end: dt.date | None, lang: str) -> str:
    """26–29 September 2022 / 26–29 de septiembre de 2022; a single date when there is no end."""
    if end is None or end == start:
        return long_date(start, lang)
    return format_interval(start, end, skeleton="yMMMMd", locale=lang)


def number(value: int | float, lang: str) -> str:
    return format_decimal(value, locale=lang)
