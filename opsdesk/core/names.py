"""People's names as their own language writes them."""

import re

# Hiragana, katakana and CJK ideographs: names written in them put the family name first.
_EAST_ASIAN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def person_name(first_name: str, last_name: str) -> str:
    """ "Hanako Sato", but "佐藤 花子": a family name in Japanese script comes first."""
    first_name, last_name = (first_name or "").strip(), (last_name or "").strip()
    if _EAST_ASIAN.search(last_name):
        return f"{last_name} {first_name}".strip()
    return f"{first_name} {last_name}".strip()
