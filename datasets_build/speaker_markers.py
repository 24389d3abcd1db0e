"""Speaker markers inside a turn ("Human:", "\\nAssistant:", "USER:", "<|im_start|>"): found, and repaired
where that is unambiguous, before a pair is kept.

Training on a response that holds a role marker teaches the model to emit one (and to speak for the user).
HH-RLHF has responses that begin with "Human:" (a mislabelled turn) and responses that go on into a made-up
next turn after a single newline; PKU-SafeRLHF and users' files can carry "USER:"/"ASSISTANT:" styles or
chat-template tokens.
"""

from __future__ import annotations

import re

MODES = ("drop", "repair")
REASON = "speaker_marker_in_turn"

# A role name at the start of a line (or of the text), then a colon; or a chat template's own tokens anywhere.
_ROLE = r"(?:^|\n)[ \t]*(?:#{2,3} ?)?(?:Human|HUMAN|Assistant|ASSISTANT|User|USER)[ \t]*:"
_TOKENS = r"<\|im_start\|>|<\|im_end\|>|<\|endoftext\|>|\[/?INST\]|<</?SYS>>"
# Searched apart: one regex of both halves has no literal to skip ahead to and tries every position (~4 µs
# a text); a role marker can only start where a line does, and a token only where "<|", "INST]" or "SYS>>" is.
_ROLE_RX = re.compile(_ROLE)
_TOKENS_RX = re.compile(_TOKENS)


def find(text: str) -> re.Match[str] | None:
    """The first speaker marker in `text`, or None (what one search for either half finds)."""
    role = None
    if ":" in text:
        pos = 0
        while pos != -1:
            role = _ROLE_RX.match(text, pos)  # at 0 by `^`, at a newline by `\n`
            if role is not None:
                break
            pos = text.find("\n", pos + 1)
    token = None
    if "<|" in text or "INST]" in text or "SYS>>" in text:
        token = _TOKENS_RX.search(text, 0, role.start() if role is not None else len(text))
    return token if token is not None else role


def repair_response(text: str) -> str | None:
    """The response cut before its first marker when a real answer comes before it (the rest is a made-up
    next turn); None when the marker starts the response (whose turn it is cannot be told) or nothing
    would be left. A text without a marker comes back as it is."""
    m = find(text)
    if m is None:
        return text
    head = text[: m.start()].rstrip()
    return head if head else None
