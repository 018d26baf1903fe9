// Browser phone: the microphone goes to /phone/media as 20 ms mu-law frames at 8 kHz, in the
// same JSON messages Twilio sends; the bot's media is played back, its marks echoed once the
// audio before them has played, and `clear` silences playback at once. Beside the keypad, the
// call's own events (what the bot heard, understood and said) are read from
// /phone/calls/<sid>/events with the secret the service gave this page for this call.
"use strict";

const RATE = 8000;
const FRAME = 160; // samples in 20 ms at 8 kHz

// --- G.711 mu-law -------------------------------------------------------------------------
function muLawEncode(sample) {
  let s = Math.max(-32635, Math.min(32635, Math.round(sample * 32767)));
  const sign = s < 0 ? 0x80 : 0;
  if (sign) s = -s;
  s += 0x84;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

function muLawDecode(code) {
  code = ~code & 0xff;
  const magnitude = ((((code & 0x0f) << 3) + 0x84) << ((code >> 4) & 0x07)) - 0x84;
  return ((code & 0x80) ? -magnitude : magnitude) / 32768;
}

// --- Resampling (windowed sinc, streaming) -------------------------------------------------
class Resampler {
  constructor(fromRate, toRate, taps = 16) {
    this.step = fromRate / toRate;
    this.cutoff = Math.min(1, toRate / fromRate) * 0.92;
    this.taps = taps;
    this.history = new Float32Array(0);
    this.position = taps; // next output position, in input samples of `history`
  }
  process(input) {
    const joined = new Float32Array(this.history.length + input.length);
    joined.set(this.history);
    joined.set(input, this.history.length);
    const out = [];
    const taps = this.taps;
    while (this.position + taps < joined.length) {
      const centre = Math.floor(this.position);
      const frac = this.position - centre;
      let acc = 0;
      for (let k = -taps + 1; k <= taps; k++) {
        const x = k - frac;
        const sinc = x === 0 ? 1 : Math.sin(Math.PI * this.cutoff * x) / (Math.PI * this.cutoff * x);
        const window = 0.5 + 0.5 * Math.cos((Math.PI * x) / (taps + 1));
        acc += joined[centre + k] * sinc * window * this.cutoff;
      }
      out.push(acc);
      this.position += this.step;
    }
    const keep = Math.floor(this.position) - taps;
    this.history = joined.slice(keep);
    this.position -= keep;
    return Float32Array.from(out);
  }
}

// --- The phone ----------------------------------------------------------------------------
// The capture worklet is its own file (capture.js), so the page's Content-Security-Policy can
// allow scripts from this origin only (a blob: URL would need 'blob:' in script-src).

class Phone {
  constructor(ui) {
    this.ui = ui;
    this.stats = { framesOut: 0, framesIn: 0, marks: 0, clears: 0 };
    this.socket = null;
    this.callSid = null;
    this.transcript = null;
  }

  show(text, state = "live") {
    this.ui.status.textContent = text;
    this.ui.status.dataset.state = state;
  }

  count(name) {
    this.stats[name] += 1;
    const ids = { framesOut: "frames-out", framesIn: "frames-in", marks: "marks" };
    if (ids[name]) document.getElementById(ids[name]).textContent = String(this.stats[name]);
  }

  async start() {
    if (!navigator.mediaDevices || !window.AudioContext) {
      this.show("The microphone needs this page on https:// or localhost.", "error");
      return;
    }
    this.ui.call.disabled = true;
    this.show("Starting the microphone...");
    try {
      this.media = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
      });
    } catch (err) {
      this.show(`No microphone: ${err.message}`, "error");
      this.ui.call.disabled = false;
      return;
    }
    this.context = new AudioContext();
    await this.context.resume();
    if (this.context.audioWorklet) await this.context.audioWorklet.addModule("capture.js");
    this.down = new Resampler(this.context.sampleRate, RATE);
    this.pending = new Float32Array(0);
    this.playHead = 0;
    this.sources = new Set();
    this.marks = [];
    this.sequence = 0;
    this.streamSid = "MZ" + Array.from(crypto.getRandomValues(new Uint8Array(16)),
      (b) => b.toString(16).padStart(2, "0")).join("");
    this.connect();
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const path = location.pathname.replace(/\/?$/, "/").replace(/phone\/$/, "phone/media");
    this.socket = new WebSocket(`${scheme}//${location.host}${path}`);
    this.socket.onopen = () => this.opened();
    this.socket.onmessage = (event) => this.received(JSON.parse(event.data));
    this.socket.onclose = (event) => this.ended(event.code);
    this.socket.onerror = () => this.show("Could not reach the voicebot.", "error");
  }

  send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.sequence += 1;
      this.socket.send(JSON.stringify({ ...message, sequenceNumber: String(this.sequence) }));
    }
  }

  async opened() {
    this.socket.send(JSON.stringify({ event: "connected", protocol: "Call", version: "1.0.0" }));
    this.send({
      event: "start", streamSid: this.streamSid,
      start: {
        streamSid: this.streamSid, callSid: "", accountSid: "", tracks: ["inbound"],
        customParameters: { from: "browser" },
        mediaFormat: { encoding: "audio/x-mulaw", sampleRate: RATE, channels: 1 },
      },
    });
    const source = this.context.createMediaStreamSource(this.media);
    if (this.context.audioWorklet) {
      this.capture = new AudioWorkletNode(this.context, "capture");
      this.capture.port.onmessage = (event) => this.captured(event.data);
    } else {
      this.capture = this.context.createScriptProcessor(1024, 1, 1);
      this.capture.onaudioprocess = (event) => this.captured(event.inputBuffer.getChannelData(0));
    }
    source.connect(this.capture);
    this.capture.connect(this.context.destination); // keeps the graph pulling; outputs silence
    this.ui.hangup.disabled = false;
    this.show("Connected: speak when the voicebot has finished.");
  }

  captured(samples) {
    const resampled = this.down.process(samples);
    const joined = new Float32Array(this.pending.length + resampled.length);
    joined.set(this.pending);
    joined.set(resampled, this.pending.length);
    let offset = 0;
    for (; offset + FRAME <= joined.length; offset += FRAME) {
      const bytes = new Uint8Array(FRAME);
      for (let i = 0; i < FRAME; i++) bytes[i] = muLawEncode(joined[offset + i]);
      let binary = "";
      for (const byte of bytes) binary += String.fromCharCode(byte);
      this.send({ event: "media", streamSid: this.streamSid, media: { track: "inbound",
        chunk: String(this.stats.framesOut + 1), timestamp: String(this.stats.framesOut * 20),
        payload: btoa(binary) } });
      this.count("framesOut");
    }
    this.pending = joined.slice(offset);
  }

  received(message) {
    if (message.event === "media") this.play(message.media.payload);
    else if (message.event === "mark") this.queueMark(message.mark.name);
    else if (message.event === "clear") this.clear();
    else if (message.event === "outcome") this.ui.outcome.textContent = message.text;
    else if (message.event === "call") this.answered(message.callSid, message.watchToken);
  }

  answered(callSid, token) {
    this.callSid = callSid;
    this.ui.list.replaceChildren();
    this.transcript = new Transcript(this.ui);
    this.transcript.follow(new URL(`calls/${callSid}/events`, this.base()), token);
  }

  base() {
    return new URL(location.pathname.replace(/\/?$/, "/"), location.href);
  }

  play(payload) {
    const binary = atob(payload);
    const buffer = this.context.createBuffer(1, binary.length, RATE);
    const channel = buffer.getChannelData(0);
    for (let i = 0; i < binary.length; i++) channel[i] = muLawDecode(binary.charCodeAt(i));
    const source = this.context.createBufferSource();
    source.buffer = buffer;
    source.connect(this.context.destination);
    this.playHead = Math.max(this.playHead, this.context.currentTime + 0.05);
    source.start(this.playHead);
    this.playHead += buffer.duration;
    this.sources.add(source);
    source.onended = () => this.sources.delete(source);
    this.count("framesIn");
  }

  queueMark(name) {
    const delay = Math.max(0, this.playHead - this.context.currentTime);
    const timer = setTimeout(() => this.echoMark(name), delay * 1000);
    this.marks.push({ name, timer });
  }

  echoMark(name) {
    this.marks = this.marks.filter((mark) => mark.name !== name);
    this.send({ event: "mark", streamSid: this.streamSid, mark: { name } });
    this.count("marks");
  }

  clear() {
    for (const source of this.sources) source.stop();
    this.sources.clear();
    this.playHead = this.context.currentTime;
    for (const mark of this.marks) { clearTimeout(mark.timer); }
    const pending = this.marks;
    this.marks = [];
    for (const mark of pending) this.echoMark(mark.name);
    this.stats.clears += 1;
  }

  press(digit) {
    this.send({ event: "dtmf", streamSid: this.streamSid,
      dtmf: { track: "inbound_track", digit } });
  }

  hangUp() {
    this.send({ event: "stop", streamSid: this.streamSid,
      stop: { accountSid: "", callSid: "" } });
    this.socket.close();
  }

  ended(code) {
    const heard = this.playHead - (this.context ? this.context.currentTime : 0);
    setTimeout(() => {
      if (this.capture) this.capture.disconnect();
      if (this.media) this.media.getTracks().forEach((track) => track.stop());
      if (this.context) this.context.close();
    }, Math.max(0, heard) * 1000);
    this.ui.hangup.disabled = true;
    this.ui.call.disabled = false;
    if (code === 1013) this.show("The browser phone is busy. Please try again shortly.", "error");
    else this.show("Call ended.", "ended");
    if (this.callSid) {
      this.ui.recordLink.href = new URL(`../api/calls/${this.callSid}`, this.base()).href;
      this.ui.record.hidden = false;
    }
  }
}

const phone = new Phone({
  status: document.getElementById("status"),
  call: document.getElementById("call"),
  hangup: document.getElementById("hangup"),
  outcome: document.getElementById("outcome"),
  list: document.getElementById("transcript"),
  last: document.getElementById("latency-last"),
  median: document.getElementById("latency-median"),
  record: document.getElementById("record"),
  recordLink: document.getElementById("record-link"),
});
window.phone = phone;
document.getElementById("call").addEventListener("click", () => phone.start());
document.getElementById("hangup").addEventListener("click", () => phone.hangUp());
for (const key of document.querySelectorAll("#keys button")) {
  key.addEventListener("click", () => phone.press(key.textContent));
}
document.addEventListener("keydown", (event) => {
  if (phone.socket && /^[0-9*#]$/.test(event.key)) phone.press(event.key);
});
if (new URLSearchParams(location.search).has("autostart")) phone.start();
