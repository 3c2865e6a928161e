"""Hostile article files: each must be refused in well under a second, in little memory."""

from __future__ import annotations

import json


def alias_bomb(levels: int = 9) -> bytes:
    """YAML "billion laughs" in front matter: a few hundred bytes that expand to gigabytes."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for n in range(1, levels):
        prev, cur = chr(ord("a") + n - 1), chr(ord("a") + n)
        lines.append(f"{cur}: &{cur} [{','.join(['*' + prev] * 9)}]")
    lines.append(f"title: *{chr(ord('a') + levels - 1)}")
    return ("---\n" + "\n".join(lines) + "\n---\nA story.\n").encode()


def _jsonl(count: int) -> bytes:
    return "\n".join(json.dumps({"title": f"t{i}", "text": f"Story {i}."}) for i in range(count)).encode()


def _page(body: bytes) -> bytes:
    return b"<html><body><article>" + body + b"</article></body></html>"


# name -> (file content, fragment of the error)
HOSTILE_FILES: dict[str, tuple[bytes, str]] = {
    "alias-bomb.md": (alias_bomb(), "aliases (*name) are not allowed"),
    "long-title.md": (b"---\ntitle: " + b"T" * 600 + b"\n---\nA story.\n", "title is 600 characters; the limit is 500"),
    "huge-front-matter.md": (b"---\ntitle: " + b"T" * 20_000 + b"\n---\nA story.\n", "front matter is over 16000 bytes"),
    "nested-title.md": (b"---\ntitle: {a: [1, 2]}\n---\nA story.\n", "field 'title' must be text"),
    "deep.json": (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    "nested.json": (b'{"text": "A story.", "x": ' + b"[" * 50 + b"]" * 50 + b"}", "nested 51 levels deep"),
    "many-records.jsonl": (_jsonl(100_000), "100000 records; the limit is 1000"),
    "long-record.json": (json.dumps({"title": "t", "text": "word " * 240_000}).encode(), "text is 1200000 characters"),
    "long-page.html": (_page(b"<p>The council met on Monday.</p>" * 100_000), "the page has 2600000 characters of text"),
    "script-page.html": (_page(b"<script>" + b"x" * 4_000_000 + b"</script>"), "no article text found"),
    "deep.html": (b"<div>" * 200_000 + b"<p>A story.</p>" + b"</div>" * 200_000, "no article text found"),
    "huge-title.html": (b'<meta property="og:title" content="' + b"T" * 100_000 + b'">' + _page(b"<p>A story.</p>"), "title is"),
    "long-url.json": (json.dumps({"text": "A story.", "url": "https://x.test/" + "a" * 3000}).encode(), "url is 3015"),
    "huge-number.json": (b'{"text": "A story.", "n": ' + b"9" * 100_000 + b"}", "invalid JSON"),
}
