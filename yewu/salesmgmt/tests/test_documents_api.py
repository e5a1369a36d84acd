"""The department's documents through the API (plans, route visits, leaderboard): PDF or, with ``fmt=xlsx``, a
workbook — also when there is nothing to list — and a clear 422 for any other format."""

import io

import pytest
from openpyxl import load_workbook

from yewu.common.schemas import PDF, XLSX

DOCUMENTS = ["/api/v1/plans/document", "/api/v1/route-visits/document", "/api/v1/leaderboard/document"]


@pytest.mark.parametrize("url", DOCUMENTS)
def test_an_empty_document_is_still_a_workbook_or_a_pdf(company, api_client, url):
    fin = api_client(company.finance)  # no plans, no route visits of their own: every list is empty
    r = fin.get(url, {"fmt": "xlsx"})
    assert r.status_code == 200, r.content[:300]
    assert r["Content-Type"] == XLSX
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws.max_row >= 1 and ws["A1"].value  # the title is there
    r = fin.get(url)
    assert r.status_code == 200 and r["Content-Type"] == PDF and r.content.startswith(b"%PDF")


@pytest.mark.parametrize("url", DOCUMENTS)
def test_an_unknown_format_is_refused_naming_the_field(company, api_client, url):
    r = api_client(company.sales1).get(url, {"fmt": "docx"})
    assert r.status_code == 422
    body = r.json()
    assert body["rule"] == "input.bounds" and "fmt" in str(body) and "pdf、xlsx" in str(body)


def test_the_api_documents_both_file_types(company, client):
    spec = client.get("/api/v1/openapi.json").json()
    paths = {"/api/v1/plans/document", "/api/v1/route-visits/document", "/api/v1/leaderboard/document"}
    for path in paths:
        content = spec["paths"][path]["get"]["responses"]["200"]["content"]
        assert set(content) == {PDF, XLSX}, path
