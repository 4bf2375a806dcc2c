"""The briefing in a real browser: the Übersicht's button downloads a one-page PDF, nothing leaves localhost."""

import io
from pathlib import Path

from pypdf import PdfReader


def test_briefing_button_downloads_a_one_page_pdf(app_page):
    # the Übersicht is the default page: its address is the root (/uebersicht opens a "Page not found" dialog)
    page = app_page.open("?stichtag=2021-06-30")
    assert page.get_by_role("heading", name="Übersicht").count() == 1
    assert app_page.exceptions() == 0
    button = page.locator(".st-key-briefing_pdf button:visible")
    assert button.inner_text().strip().endswith("Kurzbericht (PDF, 1 Seite)")
    # the PDF is generated on click (deferred), from the Stichtag in the URL
    with page.expect_download(timeout=60_000) as download:
        button.click()
    assert download.value.suggested_filename == "Kurzbericht_2021-06-30.pdf"
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = " ".join(reader.pages[0].extract_text().split())
    assert "Stand: 30.06.2021" in text and "330.920 €" in text and "872.300 €" in text
    assert app_page.exceptions() == 0
    assert app_page.external == []
