"""One call at run time: the listener (caller audio in), the speaker (bot audio out) and the
session that joins them to the dialogue."""
