// The browser phone's live transcript: the call's own events (what the bot heard, with what
// confidence, what it understood, what it said and how soon), read as server-sent events from
// /phone/calls/<sid>/events with the secret the service gave this page for this call. Each
// event is a JSON view of a CallEvent: {"type": "transcript", "at": ..., "text": ...}.
"use strict";

function seconds(value) {
  return `${value.toFixed(2)} s`;
}

class Transcript {
  constructor(ui) {
    this.ui = ui;
    this.entries = [];
    this.latencies = [];
    this.speaking = [];
    this.keypad = null;
    this.after = 0;
    this.ended = false;
  }

  line(kind, who, text, meta = "") {
    const item = document.createElement("li");
    item.dataset.kind = kind;
    if (who) {
      const label = document.createElement("span");
      label.className = "who";
      label.textContent = who;
      item.append(label);
    }
    const words = document.createElement("span");
    words.className = "text";
    words.textContent = text;
    item.append(words);
    const note = document.createElement("span");
    note.className = "meta";
    note.textContent = meta;
    item.append(note);
    this.ui.list.append(item);
    this.ui.list.scrollTop = this.ui.list.scrollHeight;
    return item;
  }

  add(view) {
    this.entries.push(view);
    if (view.type !== "digits") this.keypad = null;
    const show = Transcript.SHOW[view.type];
    if (show) show.call(this, view);
    else if (!Transcript.QUIET.has(view.type)) {
      const { type, at, ...rest } = view;
      this.line("note", "", `${type} ${JSON.stringify(rest)}`);
    }
  }

  spoke(view) {
    const meta = view.latency === undefined ? "" : `reply after ${seconds(view.latency)}`;
    this.speaking.push({ text: view.text, item: this.line("bot", "Bot", view.text, meta) });
    if (view.latency !== undefined) this.timed(view.latency);
  }

  said(view) {
    const index = this.speaking.findIndex((entry) => entry.text === view.text);
    const entry = index >= 0 ? this.speaking.splice(index, 1)[0]
      : { item: this.line("bot", "Bot", view.text) };
    if (view.interrupted) {
      const meta = entry.item.querySelector(".meta");
      meta.textContent = [meta.textContent, "interrupted"].filter(Boolean).join(" · ");
    }
  }

  timed(latency) {
    this.latencies.push(latency);
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const middle = sorted.length / 2;
    const median = sorted.length % 2 ? sorted[Math.floor(middle)]
      : (sorted[middle - 1] + sorted[middle]) / 2;
    this.ui.last.textContent = seconds(latency);
    this.ui.median.textContent = `${seconds(median)} over ${sorted.length}`;
  }

  pressed() {
    if (!this.keypad) this.keypad = this.line("caller", "Caller", "keypad ");
    this.keypad.querySelector(".text").textContent += "\u2022";
  }

  async follow(url, token) {
    let failures = 0;
    while (!this.ended && failures < 20) {
      try {
        if (!(await this.read(`${url}?after=${this.after}`, token))) {
          this.line("note", "", "This service shows no live transcript for this call.");
          return;
        }
        failures = 0;
      } catch (err) {
        failures += 1;
      }
      if (!this.ended) await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  async read(url, token) {
    const response = await fetch(url, { headers: { "X-Call-Token": token }, cache: "no-store" });
    if (response.status === 404) return false;
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return true;
      buffered += value;
      let end;
      while ((end = buffered.indexOf("\n\n")) >= 0) {
        this.message(buffered.slice(0, end));
        buffered = buffered.slice(end + 2);
      }
    }
  }

  message(block) {
    let number = null;
    const data = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("id: ")) number = Number(line.slice(4));
      else if (line.startsWith("data: ")) data.push(line.slice(6));
    }
    if (number === null || !data.length || number <= this.after) return;
    this.after = number;
    this.add(JSON.parse(data.join("\n")));
  }
}

Transcript.QUIET = new Set(["call-start", "speech-start", "turn-end"]);
Transcript.SHOW = {
  "transcript"(v) { this.line("caller", "Caller", v.text, `heard, confidence ${v.confidence}`); },
  "not-heard"(v) {
    this.line("caller", "Caller", v.text ? `(unclear) ${v.text}` : "(nothing clear)",
      `not understood, confidence ${v.confidence}`);
  },
  "digits"() { this.pressed(); },
  "intent"(v) { this.line("understood", "", `intent ${v.intent}`, `score ${v.score}`); },
  "slot"(v) {
    const value = typeof v.value === "object" ? JSON.stringify(v.value) : String(v.value);
    this.line("understood", "", `${v.name} = ${value}`, "filled");
  },
  "verified"() { this.line("understood", "", "caller verified"); },
  "say-start"(v) { this.spoke(v); },
  "say"(v) { this.said(v); },
  "barge-in"() { this.line("note", "", "the caller spoke over the bot (barge-in)"); },
  "silence"(v) { this.line("note", "", `silence for ${v.seconds} s`); },
  "transfer"(v) { this.line("note", "", `transfer to ${v.team}: ${v.reason}`); },
  "satisfaction"(v) {
    this.line("understood", "", v.score ? `satisfaction score ${v.score} of 5`
      : "satisfaction question asked (no score yet)");
  },
  "error"(v) { this.line("fault", "Fault", `${v.code}: ${v.message}`); },
  "call-end"(v) {
    this.ended = true;
    this.line("note", "", `call ended: ${v.outcome}${v.reason ? ` (${v.reason})` : ""}`);
  },
};
