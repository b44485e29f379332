"""Text from strangers made safe for a terminal and for XML: no control characters.

An ESC byte in a page title would drive the operator's terminal (colours, cursor moves, title
changes), and any C0 control but tab/newline makes an Atom feed invalid XML. Pages are cleaned
when they are read; what is shown or exported is cleaned again, since older rows predate it.
"""

from __future__ import annotations

import re

# C0 controls except \t \n \r, DEL, the C1 block (8-bit ESC/CSI), and the XML-forbidden noncharacters
CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
# a whole ANSI escape sequence (ESC [ ... letter), so that no "[31m" debris is left behind
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]|\x9b[0-?]*[ -/]*[@-~]")


def strip_controls(text: str) -> str:
    """``text`` without escape sequences and control characters (tab and newlines kept)."""
    if not text:
        return text
    return CONTROLS.sub("", ANSI.sub("", text))
