// Call backs and messages: the queue (refreshed every few seconds), claim, done, not reached,
// notes, another time; messages dealt with. Everything from the server is shown with
// textContent, never parsed as HTML.
"use strict";

const supervisor = document.body.dataset.role === "supervisor";
const zone = document.body.dataset.timezone || "Europe/London";
let callbacks = [];
let messages = [];
let selected = null;
let detail = null;
const teamsSeen = new Set();

const dayTime = new Intl.DateTimeFormat("en-GB", { timeZone: zone, weekday: "short",
  day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
const timeOnly = new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit",
  minute: "2-digit" });
function when(cb) {
  return `${dayTime.format(new Date(cb.window_start * 1000))} to ` +
    timeOnly.format(new Date(cb.window_end * 1000));
}

function stateText(cb) {
  if (cb.state === "done") return `Done by ${cb.closed_by}`;
  if (cb.state === "not-reached") return `Not reached, closed by ${cb.closed_by}`;
  const timing = cb.overdue ? "Overdue" : cb.due ? "Due now" : "Not due yet";
  if (cb.state === "claimed") {
    return `${timing}, ${cb.claimed_by === me ? "claimed by you" : `taken by ${cb.claimed_by}`}`;
  }
  return `${timing}, waiting`;
}

function renderList() {
  $("callbacks").replaceChildren(...callbacks.map((cb) => {
    const item = el("li", undefined, `call callback ${cb.state}` + (cb.overdue ? " overdue" : "")
      + (cb.due ? " due" : "") + (cb.id === selected ? " selected" : ""));
    item.dataset.id = String(cb.id);
    item.dataset.state = cb.state;
    item.tabIndex = 0;
    const top = el("div", undefined, "top");
    top.append(el("strong", teamName(cb.team)), el("span", cb.number, "caller"));
    if (cb.overdue) top.append(el("span", "overdue", "badge overdue"));
    else if (cb.due) top.append(el("span", "due", "badge due"));
    if (cb.language && cb.language !== "en") {
      top.append(el("span", languageName(cb.language), "badge language"));
    }
    item.append(top, el("div", when(cb), "when"), el("div", cb.reason || cb.why, "reason"));
    item.append(el("div", stateText(cb), "bottom state"));
    item.addEventListener("click", () => select(cb.id));
    item.addEventListener("keydown", (e) => { if (e.key === "Enter") select(cb.id); });
    return item;
  }));
  $("cb-empty").hidden = callbacks.length > 0;
  $("cb-count").textContent = callbacks.length ? `(${callbacks.length})` : "";
  $("messages").replaceChildren(...messages.map((m) => {
    const item = el("li", undefined, "call message-left");
    item.dataset.id = String(m.id);
    const top = el("div", undefined, "top");
    top.append(el("strong", teamName(m.team)), el("span", m.caller, "caller"),
      el("span", dayTime.format(new Date(m.created_at * 1000)), "when"));
    const done = el("button", "Dealt with", "message-done");
    done.type = "button";
    done.addEventListener("click", () => closeMessage(m.id));
    item.append(top, el("div", m.text, "text"), el("div", m.why, "reason"), done);
    return item;
  }));
  $("msg-empty").hidden = messages.length > 0;
  $("msg-count").textContent = messages.length ? `(${messages.length})` : "";
}

function renderDetail() {
  const cb = detail;
  $("cb-detail").hidden = !cb;
  if (!cb) return;
  $("cb-heading").textContent = `${teamName(cb.team)}: call back ${when(cb)}`;
  $("cb-number").textContent = cb.number;
  $("cb-window").textContent = when(cb);
  $("cb-state").textContent = stateText(cb);
  $("cb-language").textContent = languageName(cb.language);
  $("cb-reason").textContent = cb.reason || "(not given)";
  $("cb-why").textContent = cb.why;
  $("cb-summary").textContent = cb.summary;
  $("cb-attempts").textContent = String(cb.attempts);
  $("cb-caller").textContent = cb.caller || "withheld";
  $("cb-notes").replaceChildren(...(cb.notes || []).map((n) => el("li",
    `${dayTime.format(new Date(n.at * 1000))}, ${n.by}: ${n.text}`)));
  $("cb-transcript").replaceChildren(...(cb.transcript || []).map((turn) => {
    const item = el("li", undefined, turn.who);
    item.append(el("span", turn.who === "bot" ? "Bot" : "Caller", "who"), el("span", turn.text, "text"));
    return item;
  }));
  const open = cb.closed_at === null;
  const mine = cb.state === "claimed" && (cb.claimed_by === me || supervisor);
  $("cb-claim").hidden = cb.state !== "waiting";
  $("cb-mine").hidden = !mine;
  $("cb-open-actions").hidden = !open;
  $("cb-note-box").hidden = !open;
}

async function refresh() {
  const params = new URLSearchParams({ shown: $("cb-shown").value });
  if ($("cb-team").value) params.set("team", $("cb-team").value);
  try {
    const [cbs, msgs] = await Promise.all([
      fetch(`/desktop/api/callbacks?${params}`, { credentials: "same-origin" }),
      fetch(`/desktop/api/messages?${params}`, { credentials: "same-origin" }),
    ]);
    if (cbs.status === 401 || msgs.status === 401) { window.location.href = "/desktop/login"; return; }
    callbacks = (await cbs.json()).callbacks;
    messages = (await msgs.json()).messages;
    for (const item of [...callbacks, ...messages]) addTeam(item.team);
    $("connection").textContent = "up to date";
    renderList();
    if (selected !== null) await load(selected);
  } catch (e) {
    $("connection").textContent = "cannot reach the service; retrying…";
  }
}

function addTeam(team) {
  if (teamsSeen.has(team)) return;
  teamsSeen.add(team);
  const option = el("option", teamName(team));
  option.value = team;
  $("cb-team").append(option);
}

async function load(id) {
  const response = await fetch(`/desktop/api/callbacks/${id}`, { credentials: "same-origin" });
  detail = response.ok ? (await response.json()).callback : null;
  renderDetail();
}

async function select(id) {
  selected = id;
  history.replaceState(null, "", `#callback=${id}`);
  renderList();
  await load(id);
}

function problem(data) {
  return typeof data.detail === "string" ? data.detail : "Something went wrong. Please try again.";
}

async function act(action, body, done) {
  if (selected === null) return;
  const { ok, data } = await postJson(`/desktop/api/callbacks/${selected}/${action}`, body);
  if (ok) {
    detail = data.callback;
    say(done, "ok");
    if (action !== "claim") $("cb-note").value = "";
  } else {
    say(problem(data), "error");
  }
  await refresh();
}

function note() { return { note: $("cb-note").value }; }

$("cb-claim").addEventListener("click", () => act("claim", {}, "You have claimed this call back."));
$("cb-done").addEventListener("click", () => act("done", note(), "Call back done. Thank you."));
$("cb-not-reached").addEventListener("click", () => act("not-reached", note(),
  "Back in the queue for another try."));
$("cb-give-up").addEventListener("click", () => act("not-reached",
  { ...note(), give_up: true }, "Closed as not reached."));
$("cb-add-note").addEventListener("click", () => act("note", note(), "Note added."));
$("cb-reschedule").addEventListener("click", () => act("reschedule",
  { ...note(), start: $("cb-start").value, end: $("cb-end").value },
  "Moved to the new time."));
$("cb-filter").addEventListener("change", () => refresh());

async function closeMessage(id) {
  const { ok, data } = await postJson(`/desktop/api/messages/${id}/close`, {});
  say(ok ? "Message marked as dealt with." : problem(data), ok ? "ok" : "error");
  await refresh();
}

const wanted = /#callback=(\d+)/.exec(window.location.hash);
if (wanted) selected = Number(wanted[1]);
refresh();
setInterval(refresh, 5000);
