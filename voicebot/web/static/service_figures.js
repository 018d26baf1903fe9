// Supervisor view: the four GOV.UK figures (completion, satisfaction, cost per transaction,
// take-up) with their arithmetic, containment by service, transfers by reason and calls by
// hour, for any range of days, with the CSV and the charts for the same range.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const form = $("sf-range");
  if (!form) return;

  function row(...values) {
    const tr = document.createElement("tr");
    for (const value of values) {
      const td = document.createElement("td");
      td.textContent = String(value);
      tr.append(td);
    }
    return tr;
  }

  const percent = (rate) => (rate === null || rate === undefined ? "–"
    : `${(rate * 100).toFixed(1)}%`);

  function range() {
    const params = new URLSearchParams();
    if ($("sf-from").value) params.set("from", $("sf-from").value);
    if ($("sf-to").value) params.set("to", $("sf-to").value);
    return params;
  }

  async function show() {
    const response = await fetch(`/desktop/api/figures/service?${range()}`,
      { credentials: "same-origin" });
    if (response.status === 401) { window.location.href = "/desktop/login"; return; }
    const data = await response.json();
    if (!response.ok) {
      $("message").textContent = typeof data.detail === "string" ? data.detail
        : "Those dates cannot be shown.";
      return;
    }
    const kpis = data.kpis;
    $("sf-from").value = data.from;
    $("sf-to").value = data.to;
    $("sf-completion").textContent = percent(kpis.completion.rate);
    $("sf-satisfaction").textContent = kpis.satisfaction.mean === null ? "–"
      : `${kpis.satisfaction.mean.toFixed(2)} / 5`;
    $("sf-cost").textContent = kpis.cost_per_transaction.value === null ? "–"
      : `${kpis.cost_per_transaction.currency}${kpis.cost_per_transaction.value.toFixed(2)}`;
    $("sf-take-up").textContent = percent(kpis.take_up.rate);
    $("sf-completion-sum").textContent = kpis.completion.arithmetic;
    $("sf-satisfaction-sum").textContent = kpis.satisfaction.arithmetic;
    $("sf-cost-sum").textContent = kpis.cost_per_transaction.arithmetic;
    $("sf-take-up-sum").textContent = kpis.take_up.arithmetic;
    $("sf-services").replaceChildren(...data.containment_by_service.map(
      (s) => row(s.service, s.calls, s.contained, percent(s.rate))));
    $("sf-reasons").replaceChildren(...data.transfers_by_reason.map(
      (r) => row(r.team.replace(/_/g, " "), r.reason, r.count)));
    const same = new URLSearchParams({ from: data.from, to: data.to });
    $("sf-csv").href = `/desktop/api/figures/service?${same}&format=csv`;
    for (const chart of ["containment", "transfers", "hours"]) {
      $(`sf-${chart}`).src = `/desktop/api/figures/service-${chart}.svg?${same}`;
    }
  }

  form.addEventListener("submit", (event) => { event.preventDefault(); show(); });
  show();
})();
