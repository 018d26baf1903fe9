// Audio worklet for the browser phone: hands each block of microphone samples to the page.
class Capture extends AudioWorkletProcessor {
  process(inputs) {
    if (inputs[0] && inputs[0][0]) this.port.postMessage(inputs[0][0].slice(0));
    return true;
  }
}
registerProcessor("capture", Capture);
