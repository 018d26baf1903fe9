"""Twilio Media Streams: TwiML webhooks, the media websocket, and a client playing Twilio."""
