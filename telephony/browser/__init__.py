"""The browser phone: staff talk to the bot from a web page, over the Media Streams protocol."""
