// Supervisor view: call backs, messages, emergency transfers and when people call, for any
// range of days, with the CSV and the charts for the same range.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const form = $("ah-range");
  if (!form) return;

  function cell(text) {
    const td = document.createElement("td");
    td.textContent = String(text);
    return td;
  }

  function row(...values) {
    const tr = document.createElement("tr");
    tr.append(...values.map(cell));
    return tr;
  }

  function range() {
    const params = new URLSearchParams();
    if ($("ah-from").value) params.set("from", $("ah-from").value);
    if ($("ah-to").value) params.set("to", $("ah-to").value);
    return params;
  }

  async function show() {
    const params = range();
    const response = await fetch(`/desktop/api/figures/after-hours?${params}`,
      { credentials: "same-origin" });
    if (response.status === 401) { window.location.href = "/desktop/login"; return; }
    const data = await response.json();
    if (!response.ok) {
      $("message").textContent = typeof data.detail === "string" ? data.detail
        : "Those dates cannot be shown.";
      return;
    }
    $("ah-from").value = data.from;
    $("ah-to").value = data.to;
    $("ah-requested").textContent = data.callbacks_requested;
    $("ah-done").textContent = data.callbacks_done;
    $("ah-not-reached").textContent = data.callbacks_not_reached;
    $("ah-overdue").textContent = data.callbacks_overdue;
    $("ah-messages").textContent = data.messages;
    $("ah-emergencies").textContent = data.emergency_transfers;
    const ended = new Intl.DateTimeFormat("en-GB", { weekday: "short", day: "numeric",
      month: "short", hour: "2-digit", minute: "2-digit" });
    $("ah-overdue-list").replaceChildren(...data.overdue.map((cb) => row(
      cb.team.replace(/_/g, " "), ended.format(new Date(cb.window_end * 1000)), cb.number,
      cb.reason || cb.why, cb.claimed_by || "nobody")));
    $("ah-none-overdue").hidden = data.overdue.length > 0;
    $("ah-overdue-table").hidden = data.overdue.length === 0;
    $("ah-hours").replaceChildren(...data.calls_by_hour.map((h) => row(h.hour, h.calls)));
    $("ah-days").replaceChildren(...data.calls_by_weekday.map((d) => row(d.day, d.calls)));
    const same = new URLSearchParams({ from: data.from, to: data.to });
    $("ah-csv").href = `/desktop/api/figures/after-hours?${same}&format=csv`;
    $("ah-by-hour").src = `/desktop/api/figures/calls-by-hour.svg?${same}`;
    $("ah-by-weekday").src = `/desktop/api/figures/calls-by-weekday.svg?${same}`;
  }

  form.addEventListener("submit", (event) => { event.preventDefault(); show(); });
  show();
})();
