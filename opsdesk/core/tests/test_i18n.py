"""The Japanese catalogue is complete and compiled, and pages render in Japanese."""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "ja" / "LC_MESSAGES"


def _po_entries(path: Path) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) of every entry of a .po file; plural forms' texts are joined."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        texts = {"msgid": "", "msgstr": ""}
        current = None
        for line in block.splitlines():
            keyword = re.match(
                r"^(msgid|msgid_plural|msgstr(?:\[\d+\])?|msgctxt)\s+\"(.*)\"$", line
            )
            if keyword:
                current = keyword.group(1).split("_")[0].split("[")[0]
                current = current if current in texts else None
                if current:
                    texts[current] += keyword.group(2)
            elif line.startswith('"') and current:
                texts[current] += line[1:-1]
        if "msgid" in block:
            entries.append(
                (texts["msgid"], texts["msgstr"], "#, fuzzy" in block or ", fuzzy" in block)
            )
    return entries


def test_japanese_catalogue_is_complete():
    entries = [entry for entry in _po_entries(CATALOGUE / "django.po") if entry[0]]
    assert len(entries) > 100
    untranslated = [msgid for msgid, msgstr, _fuzzy in entries if not msgstr]
    fuzzy = [msgid for msgid, _msgstr, is_fuzzy in entries if is_fuzzy]
    assert untranslated == []
    assert fuzzy == []


def test_japanese_catalogue_is_compiled():
    with (CATALOGUE / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    assert compiled.gettext("Dashboard") != "Dashboard"
    assert compiled.gettext("Sign in") != "Sign in"
    assert (CATALOGUE / "django.mo").stat().st_mtime >= (
        CATALOGUE / "django.po"
    ).stat().st_mtime - 1


@pytest.mark.django_db
def test_login_page_in_japanese(client):
    client.cookies["django_language"] = "ja"
    html = client.get(reverse("accounts:login")).content.decode()
    assert 'lang="ja"' in html
    assert "ログイン" in html


def test_menu_in_japanese_for_a_japanese_agent(make_agent, client):
    agent = make_agent("itsm_viewer", language="ja")
    client.force_login(agent)
    html = client.get(reverse("core:dashboard")).content.decode()
    assert 'lang="ja"' in html
    for label in ("ダッシュボード", "顧客", "チケット", "ログアウト"):
        assert label in html
    assert "レポート" not in html
    assert 'data-menu="admin"' not in html
