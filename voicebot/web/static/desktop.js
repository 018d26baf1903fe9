// Agent desktop: the live queue of transferred calls (server-sent events), claim and close.
// Everything from the server is shown with textContent, never parsed as HTML.
"use strict";

const calls = new Map();
let selected = null;
let clockOffset = 0; // server time minus browser time, in seconds

const STATES = { waiting: "Waiting", claimed: "Claimed", "caller-left": "Caller hung up",
  closed: "Closed" };

function now() { return Date.now() / 1000 + clockOffset; }
function syncClock(serverNow) { clockOffset = serverNow - Date.now() / 1000; }

function waited(call) {
  const end = call.claimed_at || call.left_at || call.closed_at || now();
  const seconds = Math.max(0, Math.round(end - call.queued_at));
  const m = Math.floor(seconds / 60);
  return m ? `${m} min ${seconds % 60} s` : `${seconds} s`;
}

function stateText(call) {
  if (call.state === "claimed") {
    return call.claimed_by === me ? "Claimed by you" : `Taken by ${call.claimed_by}`;
  }
  return STATES[call.state] || call.state;
}

function renderQueue() {
  const list = $("queue");
  const open = [...calls.values()].filter((c) => c.state !== "closed")
    .sort((a, b) => a.queued_at - b.queued_at);
  list.replaceChildren(...open.map((call) => {
    const item = el("li", undefined, `call ${call.state}` + (call.call_sid === selected ? " selected" : ""));
    item.dataset.sid = call.call_sid;
    item.dataset.state = call.state;
    item.tabIndex = 0;
    const top = el("div", undefined, "top");
    top.append(el("strong", teamName(call.team)), el("span", call.caller, "caller"),
      el("span", call.verified ? "verified" : "not verified",
        call.verified ? "badge ok" : "badge"));
    if (call.language && call.language !== "en") {
      top.append(el("span", languageName(call.language), "badge language"));
    }
    if (call.emergency) top.append(el("span", "emergency", "badge overdue"));
    item.append(top, el("div", call.reason, "reason"));
    const bottom = el("div", undefined, "bottom");
    bottom.append(el("span", stateText(call), "state"), el("span", waited(call), "wait"));
    item.append(bottom);
    item.addEventListener("click", () => select(call.call_sid));
    item.addEventListener("keydown", (e) => { if (e.key === "Enter") select(call.call_sid); });
    return item;
  }));
  $("empty").hidden = open.length > 0;
  $("count").textContent = open.length ? `(${open.length})` : "";
}

function renderDetail() {
  const call = selected && calls.get(selected);
  $("detail").hidden = !call;
  if (!call) return;
  $("d-title").textContent = `${teamName(call.team)}: ${call.reason}`;
  $("d-caller").textContent = call.caller || "unknown";
  $("d-verified").textContent = call.verified ? "Yes" : "No";
  $("d-language").textContent = languageName(call.language);
  $("d-reason").textContent = call.reason;
  $("d-summary").textContent = call.summary;
  $("d-wait").textContent = waited(call);
  $("d-state").textContent = stateText(call);
  const slots = Object.entries(call.slots || {});
  $("d-slots").replaceChildren(...(slots.length ? slots.flatMap(([name, value]) => [
    el("dt", name.replace(/_/g, " ")),
    el("dd", typeof value === "object" && value !== null ? JSON.stringify(value) : String(value)),
  ]) : [el("dd", "Nothing collected.")]));
  const turns = call.transcript || [];
  $("d-transcript").replaceChildren(...turns.map((turn) => {
    const item = el("li", undefined, turn.who);
    item.append(el("span", turn.who === "bot" ? "Bot" : "Caller", "who"), el("span", turn.text, "text"));
    if (turn.intent) item.append(el("span", turn.intent, "intent"));
    return item;
  }));
  const supervisor = document.body.dataset.role === "supervisor";
  const mine = call.state === "claimed" && (call.claimed_by === me || supervisor);
  $("claim").hidden = call.state !== "waiting" && call.state !== "caller-left";
  $("close-form").hidden = !mine;
}

function render() { renderQueue(); renderDetail(); }

function upsert(call) {
  calls.set(call.call_sid, call);
  if (call.state === "closed" && call.call_sid === selected && call.closed_by !== me) {
    say("That call has been closed.", "info");
  }
}

function select(sid) {
  selected = sid;
  history.replaceState(null, "", `#call=${encodeURIComponent(sid)}`);
  render();
}

async function post(path, body) {
  const answer = await postJson(path, body);
  if (answer.data.now) syncClock(answer.data.now);
  if (answer.data.call) upsert(answer.data.call);
  return answer;
}

function detailText(data) {
  if (typeof data.detail === "string") return data.detail;
  return "Something went wrong. Please try again.";
}

$("claim").addEventListener("click", async () => {
  const sid = selected;
  if (!sid) return;
  const { ok, data } = await post(`/desktop/api/calls/${encodeURIComponent(sid)}/claim`);
  say(ok ? "You have claimed this call." : detailText(data), ok ? "ok" : "error");
  render();
});

$("close-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const sid = selected;
  if (!sid) return;
  const body = { outcome: $("outcome").value, note: $("note").value };
  const { ok, data } = await post(`/desktop/api/calls/${encodeURIComponent(sid)}/close`, body);
  if (ok) {
    say("Call closed. Thank you.", "ok");
    $("note").value = "";
    selected = null;
    history.replaceState(null, "", "#");
  } else {
    say(detailText(data), "error");
  }
  render();
});

function connect() {
  const source = new EventSource("/desktop/events");
  source.addEventListener("open", () => { $("connection").textContent = "live"; });
  source.addEventListener("error", () => {
    // The server ends each stream now and then; only say so if it does not come straight back.
    setTimeout(() => {
      if (source.readyState !== EventSource.OPEN) $("connection").textContent = "reconnecting…";
    }, 2000);
    fetch("/desktop/api/queue", { credentials: "same-origin" }).then((r) => {
      if (r.status === 401) window.location.href = "/desktop/login";
    }).catch(() => {});
  });
  source.addEventListener("snapshot", (event) => {
    const data = JSON.parse(event.data);
    syncClock(data.now);
    const keep = selected && calls.get(selected);
    calls.clear();
    for (const call of data.calls) calls.set(call.call_sid, call);
    if (keep && !calls.has(keep.call_sid) && keep.claimed_by === me) calls.set(keep.call_sid, keep);
    render();
  });
  source.addEventListener("call", (event) => {
    const data = JSON.parse(event.data);
    syncClock(data.now);
    upsert(data.call);
    render();
  });
}

const wanted = /#call=([^&]+)/.exec(window.location.hash);
if (wanted) selected = decodeURIComponent(wanted[1]);
setInterval(render, 1000);
connect();
