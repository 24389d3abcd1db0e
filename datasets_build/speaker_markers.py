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
_MARKER = re.compile(r"(?:^|\n)[ \t]*(?:#{2,3} ?)?(?:Human|HUMAN|Assistant|ASSISTANT|User|USER)[ \t]*:"
                     r"|<\|im_start\|>|<\|im_end\|>|<\|endoftext\|>|\[/?INST\]|<</?SYS>>")
# Cheap substring tests that rule the regex out for almost every text (it has no literal to skip ahead to).
_HINTS = ("uman", "UMAN", "ssistant", "SSISTANT", "ser", "SER", "<|", "INST]", "SYS>>")


def find(text: str) -> re.Match[str] | None:
    """The first speaker marker in `text`, or None."""
    for hint in _HINTS:
        if hint in text:
            return _MARKER.search(text)
    return None


def repair_response(text: str) -> str | None:
    """The response cut before its first marker when a real answer comes before it (the rest is a made-up
    next turn); None when the marker starts the response (whose turn it is cannot be told) or nothing
    would be left. A text without a marker comes back as it is."""
    m = find(text)
    if m is None:
        return text
    head = text[: m.start()].rstrip()
    return head if head else None
