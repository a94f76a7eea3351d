import pytest

from opsdesk.core.names import person_name


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("Hanako", "Sato", "Hanako Sato"),
        ("花子", "佐藤", "佐藤 花子"),
        ("ゆき", "すずき", "すずき ゆき"),
        ("Hanako", "", "Hanako"),
        ("", "佐藤", "佐藤"),
        (" Ann ", " Lee ", "Ann Lee"),
    ],
)
def test_family_name_first_in_japanese_script(first, last, expected):
    assert person_name(first, last) == expected
