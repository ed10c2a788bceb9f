"""Every text a user can see is translated into bokmål, nynorsk and English."""
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = ROOT / "portal" / "translations"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
METHODS = [("portal/**.py", "python"), ("templates/**.html", "jinja2")]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def source_messages():
    """Every msgid in the code and templates, as `make messages` extracts them."""
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.fixture(scope="module")
def messages():
    found = source_messages()
    assert len(found) > 50, "extraction found suspiciously few texts"
    return found


@pytest.mark.parametrize("locale", ["nb", "nn", "en"])
def test_every_message_is_translated(messages, locale):
    with open(CATALOGUES / locale / "LC_MESSAGES" / "messages.po", "rb") as fh:
        catalogue = read_po(fh, locale=locale)
    missing, empty, fuzzy, broken = [], [], [], []
    for msgid in sorted(messages):
        entry = catalogue.get(msgid)
        if entry is None:
            missing.append(msgid)
            continue
        text = entry.string if isinstance(entry.string, str) else entry.string[0]
        if not text:
            empty.append(msgid)
        elif entry.fuzzy:
            fuzzy.append(msgid)
        elif set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(msgid)):
            broken.append(msgid)
    assert not missing, f"{locale}: not in the catalogue (run `make messages`): {missing}"
    assert not empty, f"{locale}: untranslated: {empty}"
    assert not fuzzy, f"{locale}: fuzzy, needs checking: {fuzzy}"
    assert not broken, f"{locale}: placeholders differ from the original: {broken}"


def test_bokmal_and_nynorsk_differ_where_the_languages_do():
    """A copied catalogue would pass the completeness test; this catches it."""
    texts = {}
    for locale in ("nb", "nn"):
        with open(CATALOGUES / locale / "LC_MESSAGES" / "messages.po", "rb") as fh:
            texts[locale] = {m.id: m.string for m in read_po(fh, locale=locale) if m.id}
    same = [k for k in texts["nb"] if texts["nb"][k] == texts["nn"].get(k)]
    assert len(same) < len(texts["nb"]) * 0.6, "nynorsk looks like a copy of bokmål"
