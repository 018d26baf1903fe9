// Supervisor view: today's figures, refreshed every few seconds.
"use strict";

const $ = (id) => document.getElementById(id);

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

async function refresh() {
  try {
    const response = await fetch("/desktop/api/figures", { credentials: "same-origin" });
    if (response.status === 401) { window.location.href = "/desktop/login"; return; }
    const data = await response.json();
    if (!response.ok) { $("message").textContent = data.detail || "Figures unavailable."; return; }
    $("message").textContent = "";
    $("day").textContent = data.day;
    $("f-calls").textContent = data.calls;
    $("f-contained").textContent = data.contained;
    $("f-transferred").textContent = data.transferred;
    $("f-abandoned").textContent = data.abandoned;
    $("f-errors").textContent = data.errors;
    $("f-wait").textContent = duration(data.average_wait_seconds);
    $("reasons").replaceChildren(...data.transfer_reasons.map((row) => {
      const tr = document.createElement("tr");
      for (const value of [row.team.replace(/_/g, " "), row.reason, row.count]) {
        const td = document.createElement("td");
        td.textContent = String(value);
        tr.append(td);
      }
      return tr;
    }));
    $("updated").textContent = new Date().toLocaleTimeString("en-GB");
  } catch (e) {
    $("message").textContent = "Cannot reach the service; retrying.";
  }
}

refresh();
setInterval(refresh, 5000);
