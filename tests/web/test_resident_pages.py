"""What a resident reads: a 差戻し's reason at the top of the application with 修正する beside it and 取下げ apart;
states in the resident's words (resident_label: 決裁待ち is 審査中) on every page; the receipt's next steps; and
my applications with drafts, open and finished cases apart."""

from __future__ import annotations

import html
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.web.conftest import login
from tests.web.dom import Node, parse
from tests.web.journeys import (
    JUMINHYO_ANSWERS,
    SODAI_GOMI_ANSWERS,
    apply,
    fill_in,
    fire,
    post_form,
)

CODE = "999997"
CLERK, APPROVER = "staff-mihon-clerk", "staff-mihon-approver"
REASON = "電話番号が確認できません。\n日中に連絡のつく番号に直してください。"


def page(client: FlaskClient, path: str) -> Node:
    response = client.get(path)
    assert response.status_code == 200, path
    return parse(html.unescape(response.text))


def application(reference: str) -> str:
    return f"/{CODE}/applications/{reference}"


def in_order(node: Node, *texts: str) -> bool:
    """Whether ``texts`` appear in the node's text in this order."""
    text = node.text()
    positions = [text.find(t) for t in texts]
    return -1 not in positions and positions == sorted(positions)


@pytest.fixture
def yamada(client: FlaskClient) -> FlaskClient:
    login(client, "resident", "resident-yamada")
    return client


def test_a_returned_application_opens_with_the_reason_and_correcting_beside_it(
    yamada: FlaskClient, make_client: Any
) -> None:
    reference = apply(yamada, CODE, "juminhyo", JUMINHYO_ANSWERS)
    clerk = make_client("staff", CLERK)
    fire(clerk, reference, "start_review")
    assert fire(clerk, reference, "return_to_applicant", REASON).status_code == 302

    main = page(yamada, application(reference)).one("main")
    returned = main.one(id="returned")
    assert returned.one("h2").text() == "申請が差し戻されました"
    assert returned.one(class_="returned__comment").text() == REASON
    correct = returned.one(class_="returned__action").one("a")
    assert (correct.text(), correct["href"]) == ("修正する", f"{application(reference)}/correct")
    assert returned.find_all("form") == []  # 取下げ is not with it
    headings = [h.text() for h in main.find_all("h2")]
    assert headings[0] == "申請が差し戻されました"  # before the answers and the history
    assert headings.index("申請内容") < headings.index("経過") < headings.index("申請の取下げ")
    withdrawal = main.one("section", class_="withdrawal")
    assert withdrawal.one("form")["action"] == f"{application(reference)}/transitions/withdraw"
    assert "取り下げた申請は元に戻せません。" in withdrawal.text()


def test_an_open_application_has_no_returned_panel_and_withdrawing_stays_apart(yamada: FlaskClient) -> None:
    reference = apply(yamada, CODE, "juminhyo", JUMINHYO_ANSWERS)

    main = page(yamada, application(reference)).one("main")
    assert main.find_all(id="returned") == []
    assert main.one("section", class_="withdrawal").one("button").text() == "取り下げる"
    assert [h.text() for h in main.find_all("h2")][-1] == "申請の取下げ"


def test_residents_read_their_own_words_for_staff_states_on_every_page(yamada: FlaskClient, make_client: Any) -> None:
    reference = apply(yamada, CODE, "juminhyo", JUMINHYO_ANSWERS)
    clerk = make_client("staff", CLERK)
    fire(clerk, reference, "start_review")
    fire(clerk, reference, "request_approval", "確認済みです。")
    pages = {
        "list": f"/{CODE}/applications",
        "application": application(reference),
        "receipt": f"{application(reference)}/receipt",
    }

    for name, path in pages.items():
        text = page(yamada, path).one("main").text()
        assert "審査中" in text, name
        assert "決裁" not in text, name  # 決裁待ち, 決裁に回す: the back office's words
    history = page(yamada, application(reference)).one("ol", class_="history")
    steps = [item.one(class_="history__what").text() for item in history.find_all("li")]
    assert steps == ["受付済み", "受付済み → 審査中"]  # 審査中 → 審査中 (決裁に回す) changes nothing they see
    assert "決裁待ち" in page(clerk, f"/backoffice/submissions/{reference}").one("main").text()

    assert fire(make_client("staff", APPROVER), reference, "approve").status_code == 302
    for name, path in pages.items():
        text = page(yamada, path).one("main").text()
        assert "審査完了" in text and "決裁" not in text, name


def next_steps(client: FlaskClient, reference: str) -> list[tuple[str, str]]:
    """The receipt's 「これからの流れ」: (step title, what it says)."""
    listed = page(client, f"{application(reference)}/receipt").one("ol", id="next-steps")
    return [
        (item.one("h3").text(), item.text().removeprefix(item.one("h3").text()).strip())
        for item in listed.find_all("li")
    ]


def test_the_receipt_says_what_happens_next_by_the_methods_chosen(yamada: FlaskClient) -> None:
    at_the_counter = apply(yamada, CODE, "juminhyo", JUMINHYO_ANSWERS)
    steps = next_steps(yamada, at_the_counter)

    assert [title for title, _ in steps] == ["審査", "手数料のお支払い（600円）", "受け取り"]
    review, paying, receiving = (said for _, said in steps)
    assert "標準処理期間は3日（土日・祝日・年末年始などの閉庁日を除く）です。" in review and "差し戻します" in review
    assert paying == "手数料は窓口でお支払いください。"
    assert "窓口でお受け取りください" in receiving
    receipt = page(yamada, f"{application(at_the_counter)}/receipt").one("main")
    assert "受付済み" in receipt.one("dl", id="status").text()  # 状況, in the resident's words

    online = apply(
        yamada, CODE, "juminhyo", {**JUMINHYO_ANSWERS, "receipt_method": "electronic", "payment_method": "online"}
    )
    _, paying, receiving = (said for _, said in next_steps(yamada, online))
    assert "審査が終わると「申請した手続き」の画面からオンラインでお支払いいただけます。" in paying
    assert "お支払いを確認した後に交付します。" in paying
    assert "証明書（PDF）をダウンロードできます" in receiving
    fee = page(yamada, f"{application(online)}/receipt").one("dl", id="fee").text()
    assert "電子交付" in fee and "オンライン決済" in fee  # the methods chosen

    by_mail = apply(
        yamada,
        CODE,
        "juminhyo",
        {
            **JUMINHYO_ANSWERS,
            "receipt_method": "mail",
            "delivery_postal_code": "1500001",
            "delivery_address": "東京都渋谷区神宮前1-1",
            "payment_method": "postal_order",
        },
    )
    _, paying, receiving = (said for _, said in next_steps(yamada, by_mail))
    assert "郵便小為替" in paying and "郵送します" in receiving


def test_a_procedure_issuing_nothing_tells_how_the_result_comes_and_how_to_pay_as_it_says(
    client: FlaskClient,
) -> None:
    login(client, "resident", "resident-sato")
    reference = apply(client, CODE, "sodai_gomi", SODAI_GOMI_ANSWERS)

    steps = dict(next_steps(client, reference))
    assert list(steps) == ["審査", "手数料のお支払い（2,000円）", "結果のお知らせ"]
    assert "差し戻します" not in steps["審査"]  # its workflow never returns an application
    assert "粗大ごみ処理券" in steps["手数料のお支払い（2,000円）"]  # the procedure's fee_note: it asks no method
    assert "窓口" not in steps["手数料のお支払い（2,000円）"]


def test_my_applications_lists_drafts_open_and_finished_cases_apart(yamada: FlaskClient, make_client: Any) -> None:
    open_case = apply(yamada, CODE, "juminhyo", JUMINHYO_ANSWERS)
    withdrawn = apply(yamada, CODE, "juminhyo", JUMINHYO_ANSWERS)
    assert (
        post_form(
            yamada, f"{application(withdrawn)}/transitions/withdraw", {}, token_from=application(withdrawn)
        ).status_code
        == 302
    )
    rejected = apply(yamada, CODE, "juminhyo", JUMINHYO_ANSWERS)
    clerk = make_client("staff", CLERK)
    fire(clerk, rejected, "start_review")
    fire(clerk, rejected, "reject", "要件を満たしません。")
    fill_in(yamada, CODE, "sodai_gomi", {"family_name": "山田"})  # stops on its first page: a draft

    main = page(yamada, f"/{CODE}/applications").one("main")
    assert [h.text() for h in main.find_all("h2")] == ["下書き", "手続き中の申請", "完了した申請"]

    def references(table_id: str) -> list[str]:
        return [row.find_all("td")[0].text() for row in main.one("table", id=table_id).one("tbody").find_all("tr")]

    assert references("open-applications") == [open_case]
    assert references("finished-applications") == [rejected, withdrawn]  # the newest first
    finished = main.one("table", id="finished-applications").text()
    assert "却下" in finished and "取下げ" in finished
    assert "粗大ごみ収集の申込" in main.one("table", id="drafts").text()
    for cell in main.find_all("td"):  # each value names its column where the table reflows into cards
        assert cell.attrs.get("data-label")


def test_my_applications_without_any_says_so(yamada: FlaskClient) -> None:
    main = page(yamada, f"/{CODE}/applications").one("main")

    assert [h.text() for h in main.find_all("h2")] == ["手続き中の申請"]
    assert "手続き中の申請はありません。" in main.text()
