// What every agent desktop page shares: the page's CSRF token, finding elements, the team and
// language names, the message line, building elements (text only, never HTML), and a JSON POST
// that sends the token and goes back to the login page when the session has ended.
"use strict";

const me = document.body.dataset.username;
const csrfToken = document.querySelector('meta[name="csrf-token"]').content;
const $ = (id) => document.getElementById(id);
const TEAMS = { council_tax: "Council tax", bins: "Bins", general: "General", housing: "Housing" };
const LANGUAGES = { en: "English", cy: "Cymraeg (Welsh)" };

function teamName(team) { return TEAMS[team] || team.replace(/_/g, " "); }
function languageName(code) { return LANGUAGES[code || "en"] || code; }

function say(text, kind) {
  const box = $("message");
  box.textContent = text || "";
  box.className = "message" + (kind ? " " + kind : "");
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

async function postJson(path, body) {
  const response = await fetch(path, {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json",
      "X-CSRF-Token": csrfToken },
    body: JSON.stringify(body || {}),
  });
  let data = {};
  try { data = await response.json(); } catch (e) { data = {}; }
  if (response.status === 401) window.location.href = "/desktop/login";
  return { ok: response.ok, data };
}
