"""The supervisor's GOV.UK figures in headless Chromium, for a chosen range of days: the four
figures with their arithmetic, the tables, the three charts and the CSV of the same range.
The calls are the fixed set of tests/voicebot/reporting/test_kpi.py, recorded as events."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.conftest import serving
from tests.voicebot.reporting.test_kpi import CALLS
from tests.voicebot.reporting.test_recorded_figures import record
from tests.web.chromium import CHROMIUM, chromium
from tests.web.conftest import PASSWORDS, Service
from tests.web.test_desktop_browser import submit_login
from voicebot.storage import sqlite_url

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed")


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return sqlite_url(tmp_path / "state" / "voicebot.db")


async def test_a_supervisor_reads_the_figures_and_charts_for_a_range(
        service: Service, tmp_path: Path) -> None:
    for index, call in enumerate(CALLS):
        record(service.records, f"CA{index:032d}", call)
    service.records.flush()
    async with serving(service.app) as base, chromium(tmp_path / "sue") as sue:
        await sue.goto(f"{base}/desktop/login")
        await submit_login(sue, "sue", PASSWORDS["sue"])
        await sue.wait_for("location.pathname === '/desktop/'")
        await sue.goto(f"{base}/desktop/supervisor")
        await sue.wait_for("document.getElementById('sf-from').value !== ''")
        await sue.evaluate("document.getElementById('sf-from').value = '2026-07-01';"
                           "document.getElementById('sf-to').value = '2026-07-01';"
                           "document.querySelector('#sf-range button').click(); true")
        await sue.wait_for("document.getElementById('sf-take-up').textContent === '37.5%'")
        shown = {name: await sue.text(f"sf-{name}") for name in
                 ("completion", "satisfaction", "cost", "take-up", "completion-sum",
                  "cost-sum", "services", "reasons")}
        for chart in ("sf-containment", "sf-transfers", "sf-hours"):
            await sue.wait_for(f"document.getElementById('{chart}').complete && "
                               f"document.getElementById('{chart}').naturalWidth > 0")
        chart_src = await sue.evaluate("document.getElementById('sf-hours').src")
        csv_link = await sue.evaluate("document.getElementById('sf-csv').href")
        await sue.goto("about:blank")
    assert shown["satisfaction"] == "4.00 / 5"  # (5 + 3) / 2 answers
    assert shown["completion"] == "50.0%"  # 3 contained of the 6 calls with a request
    assert "3 finished by the bot / 6 calls with a request understood" in shown["completion-sum"]
    assert "transfers" in shown["cost-sum"] and shown["cost"].startswith("£")
    assert "bin_day" in shown["services"] and "caller asked for a person" in shown["reasons"]
    assert "from=2026-07-01" in chart_src and "to=2026-07-01" in chart_src
    assert "format=csv" in csv_link and "from=2026-07-01" in csv_link


async def test_the_api_gives_the_figures_for_a_range_as_json_and_csv(service: Service) -> None:
    for index, call in enumerate(CALLS):
        record(service.records, f"CA{index:032d}", call)
    service.records.flush()
    async with serving(service.app) as base, httpx.AsyncClient(
            trust_env=False, headers={"Authorization": "Bearer api-token-123"}) as http:
        found = await http.get(f"{base}/api/figures?from=2026-07-01&to=2026-07-01")
        spreadsheet = await http.get(f"{base}/api/figures?from=2026-07-01&to=2026-07-01"
                                     "&format=csv")
        backwards = await http.get(f"{base}/api/figures?from=2026-07-02&to=2026-07-01")
        today = await http.get(f"{base}/api/figures")
    assert found.status_code == 200, found.text
    kpis = found.json()["kpis"]
    assert kpis["take_up"]["rate"] == 0.375 and kpis["satisfaction"]["mean"] == 4.0
    assert spreadsheet.headers["content-type"].startswith("text/csv")
    assert "kpis.take_up,,rate,0.375" in spreadsheet.text
    assert backwards.status_code == 422
    assert today.status_code == 200 and "calls" in today.json()
