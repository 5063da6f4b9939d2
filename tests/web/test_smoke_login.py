from tests.web.conftest import login


def test_resident_login_round_trip(client):
    response = login(client, "resident", "resident-yamada", next_path="/999997/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/999997/"
    page = client.get("/999997/")
    assert "山田 太郎" in page.text
