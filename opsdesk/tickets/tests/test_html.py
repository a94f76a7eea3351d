"""Article HTML: XSS attempts are neutralised, harmless markup stays, plain text is readable."""

import pytest

from opsdesk.tickets.html import html_to_text, sanitize_html

XSS_ATTEMPTS = [
    '<script>alert("x")</script>',
    '<img src="x" onerror="alert(1)">',
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    '<a href="java&#x09;script:alert(1)">click</a>',
    '<a href="vbscript:msgbox(1)">click</a>',
    '<a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">click</a>',
    '<a href=" DATA:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">click</a>',
    '<img src="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">',
    "<svg onload=alert(1)><circle r=1></svg>",
    '<iframe src="https://evil.example"></iframe>',
    '<object data="evil.swf"></object><embed src="evil.swf">',
    '<form action="https://evil.example"><input name="password"></form>',
    '<p style="background:url(javascript:alert(1))">styled</p>',
    "<style>body { display: none }</style>",
    '<base href="https://evil.example/">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<div onmouseover="alert(1)">hover</div>',
    "<!--<script>alert(1)</script>-->",
    '<a href="#" onclick="steal()">link</a>',
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '<img src="x" srcset="javascript:alert(1)">',
]
DANGEROUS = (
    "<script",
    "javascript:",
    "vbscript:",
    "onerror",
    "onload",
    "onclick",
    "onmouseover",
    "<iframe",
    "<object",
    "<embed",
    "<form",
    "<input",
    "<style",
    "style=",
    "<base",
    "<meta",
    "<svg",
    "<math",
    "data:text",
    "srcset",
    "<!--",
)


@pytest.mark.parametrize("markup", XSS_ATTEMPTS)
def test_xss_attempts_are_neutralised(markup):
    cleaned = sanitize_html(markup).lower()
    for needle in DANGEROUS:
        assert needle not in cleaned, (markup, cleaned)
    assert sanitize_html(cleaned) == cleaned  # stable: sanitising again changes nothing


def test_harmless_markup_is_kept():
    markup = (
        '<p lang="ja">障害報告</p><h2>Summary</h2><ul><li><b>bold</b> and <i>italic</i></li></ul>'
        '<table border="1"><tr><th colspan="2">Host</th></tr><tr><td>mail01</td><td>down</td>'
        "</tr></table><blockquote>quoted</blockquote><pre>$ systemctl status</pre>"
    )
    assert sanitize_html(markup) == markup.replace("<tr>", "<tbody><tr>", 1).replace(
        "</table>", "</tbody></table>"
    )  # the parser adds the implied <tbody>


def test_links_are_kept_safe_for_other_sites():
    assert sanitize_html('<a href="https://status.example.com" target="_blank">status</a>') == (
        '<a href="https://status.example.com" rel="noopener noreferrer nofollow">status</a>'
    )
    assert 'href="mailto:it@example.com"' in sanitize_html('<a href="mailto:it@example.com">x</a>')


def test_images_come_only_from_the_mail_itself_or_this_site():
    inline = '<img src="cid:logo@acme.example.com" alt="logo">'
    assert sanitize_html(inline) == inline
    embedded = '<img src="data:image/png;base64,iVBORw0KGgo=">'
    assert sanitize_html(embedded) == embedded
    local = '<img src="/tickets/attachments/7/">'
    assert sanitize_html(local) == local
    for tracker in (
        "https://tracker.example/pixel.gif",
        "http://tracker.example/pixel.gif",
        "//tracker.example/pixel.gif",
        "/\\tracker.example/pixel.gif",
        "ht&#x09;tps://tracker.example/pixel.gif",
    ):
        assert sanitize_html(f'<img src="{tracker}" alt="t">') == '<img alt="t">', tracker


def test_empty_input():
    assert sanitize_html("") == ""
    assert sanitize_html(None) == ""
    assert html_to_text("") == ""
    assert html_to_text(None) == ""


def test_html_to_text_keeps_paragraphs_and_drops_scripts():
    markup = (
        "<html><head><style>p {color: red}</style><title>t</title></head><body>"
        "<p>Dear team,</p><p>the mail server<br>is down &amp; queues grow.</p>"
        "<ul><li>mail01</li><li>mail02</li></ul>"
        "<script>alert(1)</script><div>&lt;b&gt;not bold&lt;/b&gt;</div>"
        "<p></p><p></p><p></p><p>メールサーバーが停止しています。</p></body></html>"
    )
    assert html_to_text(markup) == (
        "Dear team,\nthe mail server\nis down & queues grow.\nmail01\nmail02\n"
        "<b>not bold</b>\n\nメールサーバーが停止しています。"
    )
