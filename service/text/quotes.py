"""Straight double quotes as curly ones, for text shown to a model that answers in JSON.

A small model copying article text writes a straight ``"`` where the text has one, and a JSON
grammar ends the string there: "...the woman they call". Curly quotes are ordinary characters
inside a JSON string, so the copied sentence stays whole.
"""


def curly_quotes(text: str) -> str:
    out, opening = [], True
    for ch in text:
        if ch == '"':
            out.append("“" if opening else "”")
            opening = not opening
        else:
            out.append(ch)
    return "".join(out)
