"""Every compiled catalogue (.mo) carries the translations of its .po file.

The .mo files are committed so that a machine without GNU gettext still shows Vietnamese;
`make install` recompiles them where msgfmt exists. A .po edited without recompiling would
otherwise leave the site showing the old text, or English, with nothing failing.
"""

import ast
import gettext
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PO_FILES = sorted(
    path.relative_to(ROOT) for path in (ROOT / "lotus").glob("**/locale/*/LC_MESSAGES/*.po")
)


def _unquote(text: str) -> str:
    # PO strings use C escapes (\n, \", \\), which Python's string literals share.
    return ast.literal_eval(text.strip())


def po_translations(path: Path) -> dict[object, str]:
    """The translated, non-fuzzy entries of a .po file, keyed as gettext keys its catalog.

    Singular: msgid (prefixed with "context\\x04" when it has one); plural: (msgid, index).
    """
    entries: list[dict] = []
    entry: dict = {}
    field = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#"):
            if entry.get("msgid") is not None and field is not None and field.startswith("msgstr"):
                entries.append(entry)
                entry, field = {}, None
            if line.startswith("#,") and "fuzzy" in line:
                entry["fuzzy"] = True
            continue
        if line.startswith('"'):
            entry[field] += _unquote(line)
            continue
        keyword, _, value = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and field is not None and field.startswith("msgstr"):
            entries.append(entry)
            entry = {}
        field = keyword
        entry[field] = _unquote(value)
    if entry.get("msgid") is not None:
        entries.append(entry)

    translations: dict[object, str] = {}
    for item in entries:
        if item.get("fuzzy") or not item["msgid"]:
            continue
        msgid = item["msgid"]
        if "msgctxt" in item:
            msgid = f"{item['msgctxt']}\x04{msgid}"
        if "msgid_plural" in item:
            for key, value in item.items():
                if key.startswith("msgstr[") and value:
                    translations[(msgid, int(key[7:-1]))] = value
        elif item.get("msgstr"):
            translations[msgid] = item["msgstr"]
    return translations


def test_po_translations_reads_context_plural_and_skips_fuzzy(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: vi\\n"\n\n'
        'msgctxt "month"\nmsgid "May"\nmsgstr "Tháng Năm"\n\n'
        '#, fuzzy\nmsgid "Save"\nmsgstr "Lưu"\n\n'
        'msgid "one person"\nmsgid_plural "%(n)s persons"\nmsgstr[0] "%(n)s người"\n\n'
        'msgid "Long"\nmsgstr ""\n"Dòng một\\n"\n"dòng hai"\n',
        encoding="utf-8",
    )
    assert po_translations(po) == {
        "month\x04May": "Tháng Năm",
        ("one person", 0): "%(n)s người",
        "Long": "Dòng một\ndòng hai",
    }


@pytest.mark.parametrize("po_path", PO_FILES, ids=str)
def test_compiled_catalogue_matches_po(po_path):
    mo_path = ROOT / po_path.with_suffix(".mo")
    with mo_path.open("rb") as mo:
        catalog = gettext.GNUTranslations(mo)._catalog
    stale = {
        key: value
        for key, value in po_translations(ROOT / po_path).items()
        if catalog.get(key) != value
    }
    assert stale == {}, f"recompile {po_path} (make messages, or make install)"
