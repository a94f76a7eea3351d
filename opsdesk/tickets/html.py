"""Article HTML: sanitised with nh3 on the way in, plain text derived when a mail has no text part.

What is stored in ``Article.body_html`` is already safe to show; it is sanitised again on display
(cheap) so that rows written by older versions or by hand cannot smuggle markup in.
"""

import html
import re

import nh3

# No images from other sites (tracking pixels); cid: images of the mail itself, data: images.
URL_SCHEMES = frozenset({"http", "https", "mailto", "cid", "data", "tel"})
TAG_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height", "title"},
    "td": {"colspan", "rowspan", "align", "valign"},
    "th": {"colspan", "rowspan", "align", "valign"},
    "table": {"border", "cellpadding", "cellspacing"},
    "*": {"lang", "dir"},
}


def _filter_urls(tag: str, attribute: str, value: str) -> str | None:
    """Per-tag URL rules nh3's scheme list cannot express: links may not be ``data:`` (a page
    in disguise); images only from the mail itself (``cid:``), ``data:image/...`` or this site
    (relative), never from other sites (tracking pixels)."""
    # As browsers read it: tabs and newlines dropped, backslashes are slashes ("/\\x" is "//x").
    url = re.sub(r"[\t\n\r]", "", value).strip().lower().replace("\\", "/")
    if tag == "a" and attribute == "href" and url.startswith("data:"):
        return None
    if tag == "img" and attribute == "src":
        if url.startswith("data:"):
            return value if url.startswith("data:image/") else None
        if url.startswith(("http:", "https:", "//")):
            return None
    return value


def sanitize_html(markup: str) -> str:
    """Only harmless tags and attributes; scripts, styles, event handlers and javascript: go."""
    if not markup:
        return ""
    return nh3.clean(
        markup,
        attributes=TAG_ATTRIBUTES,
        attribute_filter=_filter_urls,
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


_BLOCK_END = re.compile(r"(?i)</(p|div|h[1-6]|li|tr|blockquote|pre|table)>|<br\s*/?>")
_TAG = re.compile(r"<[^>]+>")


def html_to_text(markup: str) -> str:
    """Readable plain text of an HTML body (paragraphs and line breaks kept)."""
    cleaned = nh3.clean(
        markup or "",
        tags={
            "p",
            "div",
            "br",
            "li",
            "tr",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "blockquote",
            "pre",
            "table",
        },
        attributes={},
        clean_content_tags={"script", "style", "title"},  # a mail's <title> is not its text
        strip_comments=True,
    )
    text = _BLOCK_END.sub("\n", cleaned)
    text = html.unescape(_TAG.sub("", text))
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
