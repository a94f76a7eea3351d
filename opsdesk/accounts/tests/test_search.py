from django.urls import reverse

from opsdesk.accounts.search import search_agents


def test_administrators_find_agents_by_name_login_or_email(admin_agent, make_agent):
    target = make_agent("itsm_user", login="tanaka", first_name="Hanako", last_name="Tanaka")
    for text in ("tana", "hanako", "tanaka@"):
        hits = search_agents(admin_agent, text)
        assert [hit.url for hit in hits] == [
            reverse("accounts_admin:agent_detail", args=[target.pk])
        ]


def test_other_agents_find_no_agents(make_agent):
    make_agent(None, login="tanaka")
    assert search_agents(make_agent("itsm_manager"), "tanaka") == []


def test_global_search_page_lists_hits_only_to_admins(admin_client, make_agent, client):
    make_agent(None, login="suzuki", first_name="Ichiro", last_name="Suzuki")
    html = admin_client.get(reverse("core:search"), {"q": "suzuki"}).content.decode()
    assert "Ichiro Suzuki (suzuki)" in html

    client.force_login(make_agent("itsm_user"))
    html = client.get(reverse("core:search"), {"q": "suzuki"}).content.decode()
    assert "Ichiro Suzuki" not in html
    assert "Nothing found" in html


def test_global_search_requires_sign_in(client, db):
    response = client.get(reverse("core:search"), {"q": "x"})
    assert response.status_code == 302
