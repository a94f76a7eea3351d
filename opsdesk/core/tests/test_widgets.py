"""Selects render their options in Python with the same markup as Django's templates."""

from django import forms
from django.test.html import parse_html

from opsdesk.core.forms import apply_bootstrap
from opsdesk.core.widgets import InlineOptionsMixin


class Sample(forms.Form):
    state = forms.ChoiceField(choices=[("", "---"), ("new", "New & <fresh>"), ("open", "Open")])
    queues = forms.MultipleChoiceField(
        choices=[("Support", [("1", "Support"), ("2", "Support::Network")]), ("3", "Raw")],
        required=False,
    )
    flag = forms.NullBooleanField(required=False)
    level = forms.TypedChoiceField(choices=[(1, "one"), (2, "two")], coerce=int, disabled=True)


def _normalised(html: str):
    """The parsed markup: equal when elements, attributes (in any order) and text are."""
    return parse_html(html)


def test_the_markup_is_the_one_of_django_templates():
    data = {"state": "new", "queues": ["2", "3"], "flag": "true", "level": "2"}
    plain = Sample(data)
    fast = apply_bootstrap(Sample(data))
    for name in plain.fields:
        widget = fast.fields[name].widget
        assert isinstance(widget, InlineOptionsMixin), name
        plain.fields[name].widget.attrs["class"] = widget.attrs["class"]
        assert _normalised(str(fast[name])) == _normalised(str(plain[name])), name
    html = str(fast["state"])
    assert '<option value="new" selected>New &amp; &lt;fresh&gt;</option>' in html
    assert "required" in html and 'id="id_state"' in html
    assert '<optgroup label="Support">' in str(fast["queues"])
    assert "disabled" in str(fast["level"])


def test_radio_buttons_and_checkboxes_keep_their_templates():
    class Choice(forms.Form):
        kind = forms.ChoiceField(choices=[("a", "A")], widget=forms.RadioSelect)
        tags = forms.MultipleChoiceField(choices=[("a", "A")], widget=forms.CheckboxSelectMultiple)

    form = apply_bootstrap(Choice())
    assert not isinstance(form.fields["kind"].widget, InlineOptionsMixin)
    assert not isinstance(form.fields["tags"].widget, InlineOptionsMixin)
