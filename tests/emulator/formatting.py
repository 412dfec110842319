"""Text formatting as the Bot API does it: the HTML parse mode, automatic entities, UTF-16 offsets.

The HTML parser is a port of the one in tdlib (which the Bot API server uses), so the
error descriptions and the resulting entities match what Telegram returns. Offsets and
lengths of entities are in UTF-16 code units, as in the real API. MarkdownV2 and legacy
Markdown are refused with a 400 that says so: the bot sends HTML only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

JSON = dict[str, Any]
UserLookup = Callable[[int], JSON | None]

_END = "\0"
_SPACES = " \t\r\n\0\v"
_NAMED_HTML_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_TAGS = frozenset("a b strong i em s strike del u ins tg-spoiler tg-emoji span pre code blockquote".split())
_SIMPLE_HTML_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
}
# Sort priority of entity types for equal (offset, length), as in tdlib.
_TYPE_PRIORITY = {
    "mention": 50,
    "hashtag": 50,
    "bot_command": 50,
    "url": 50,
    "email": 50,
    "bold": 90,
    "italic": 91,
    "code": 20,
    "pre": 11,
    "text_link": 49,
    "text_mention": 49,
    "cashtag": 50,
    "phone_number": 50,
    "underline": 92,
    "strikethrough": 93,
    "blockquote": 0,
    "expandable_blockquote": 0,
    "spoiler": 94,
    "custom_emoji": 99,
}
# Entities that automatic detection must not overlap.
_CONTINUOUS_TYPES = frozenset({"code", "pre", "text_link", "text_mention", "custom_emoji"})
_NOT_EMULATED_MODES = ("markdownv2", "markdown")
"""Parse modes Telegram has and the emulator refuses: the bot under test never uses them."""
_USER_LINK = re.compile(r"^tg://user\?id=(\d{1,19})$", re.IGNORECASE)
_LINK = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*)://([^/?#\s]+)([^\s]*)$")


class EntityParseError(ValueError):
    """Raised when text can't be parsed in the requested parse mode.

    The message is the part after "Bad Request: can't parse entities: ".
    """


def utf16_len(text: str) -> int:
    """Return the length of ``text`` in UTF-16 code units (the unit of entity offsets)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _byte_offset(text: str, index: int) -> int:
    """Return the UTF-8 byte offset of the character at ``index`` (used in error texts)."""
    return len(text[:index].encode("utf-8", "surrogatepass"))


def checked_link(url: str) -> str | None:
    """Normalise a link the way Telegram does for text_link entities, or None if invalid."""
    url = url.strip()
    if not url:
        return None
    if "://" not in url:
        url = "http://" + url
    match = _LINK.match(url)
    if match is None:
        return None
    scheme, host, rest = match.group(1).lower(), match.group(2), match.group(3)
    if scheme in ("tg", "ton", "tonsite"):
        return url
    if scheme not in ("http", "https") or "." not in host.strip("."):
        return None
    return f"{scheme}://{host.lower()}{rest or '/'}"


def sort_entities(entities: list[JSON]) -> list[JSON]:
    """Sort entities by offset, then longer first, then by tdlib's type priority."""
    return sorted(
        entities,
        key=lambda e: (e["offset"], -e["length"], _TYPE_PRIORITY.get(e["type"], 50)),
    )


def _link_entity(url: str, offset: int, length: int, users: UserLookup) -> JSON | None:
    """Build a text_link / text_mention entity for ``url`` or None if the link is invalid."""
    user_match = _USER_LINK.match(url)
    if user_match is not None:
        user = users(int(user_match.group(1)))
        if user is None:
            return None
        return {"type": "text_mention", "offset": offset, "length": length, "user": user}
    link = checked_link(url)
    if link is None:
        return None
    return {"type": "text_link", "offset": offset, "length": length, "url": link}


def _decode_html_entity(text: str, pos: int) -> tuple[str, int] | None:
    """Decode the character reference starting at ``text[pos] == '&'``.

    Returns the decoded character and the index after the reference, or None if there is
    no supported reference here (then the '&' is literal text).
    """
    end = pos + 1
    if text[end] == "#":
        end += 1
        digits_start = end
        if text[end] == "x":
            end += 1
            digits_start = end
            while text[end] in "0123456789abcdefABCDEF":
                end += 1
            code = int(text[digits_start:end], 16) if end > digits_start else 0
        else:
            while text[end] in "0123456789":
                end += 1
            code = int(text[digits_start:end]) if end > digits_start else 0
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return None
        char = chr(code)
    else:
        while text[end].isascii() and text[end].isalpha():
            end += 1
        name = text[pos + 1 : end]
        if name not in _NAMED_HTML_ENTITIES:
            return None
        char = _NAMED_HTML_ENTITIES[name]
    if text[end] == ";":
        end += 1
    return char, end


@dataclass
class _OpenTag:
    """A start tag waiting for its end tag."""

    name: str
    argument: str
    utf16_offset: int
    out_index: int


class _HtmlParser:
    """Port of tdlib's ``parse_html``: nested tags, entity references, strict errors."""

    def __init__(self, text: str, users: UserLookup) -> None:
        self.source = text
        self.text = text + _END * 4
        self.size = len(text)
        self.users = users
        self.out: list[str] = []
        self.utf16 = 0
        self.entities: list[JSON] = []
        self.stack: list[_OpenTag] = []

    def error(self, message: str) -> EntityParseError:
        """Build the parse error."""
        return EntityParseError(message)

    def byte(self, index: int) -> int:
        """UTF-8 byte offset of ``index`` in the source text."""
        return _byte_offset(self.source, index)

    def emit(self, char: str) -> None:
        """Append one decoded character to the result."""
        self.out.append(char)
        self.utf16 += 2 if ord(char) > 0xFFFF else 1

    def parse(self) -> tuple[str, list[JSON]]:
        """Parse the whole text and return (plain text, entities)."""
        i = 0
        while i < self.size:
            char = self.text[i]
            if char == "&":
                decoded = _decode_html_entity(self.text, i)
                if decoded is not None:
                    if 0xD800 <= ord(decoded[0]) <= 0xDFFF:
                        raise self.error(
                            "Text contains invalid Unicode characters after decoding HTML "
                            "entities, check for unmatched surrogate code units"
                        )
                    self.emit(decoded[0])
                    i = decoded[1]
                    continue
            if char != "<":
                self.emit(char)
                i += 1
                continue
            i = self.end_tag(i) if self.text[i + 1] == "/" else self.start_tag(i)
        if self.stack:
            raise self.error(f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"')
        return "".join(self.out), sort_entities(self.entities)

    def start_tag(self, begin: int) -> int:
        """Parse a start tag at ``begin``; return the index after it."""
        text = self.text
        i = begin + 1
        while text[i] not in _SPACES and text[i] != ">":
            i += 1
        if i >= self.size:
            raise self.error(f"Unclosed start tag at byte offset {self.byte(begin)}")
        tag = text[begin + 1 : i].lower()
        if tag not in _HTML_TAGS:
            raise self.error(f'Unsupported start tag "{tag}" at byte offset {self.byte(begin)}')
        argument, i = self.attributes(tag, begin, i)
        if tag == "span" and argument != "spoiler":
            raise self.error(f'Tag "span" must have class "tg-spoiler" at byte offset {self.byte(begin)}')
        self.stack.append(_OpenTag(tag, argument, self.utf16, len(self.out)))
        return i + 1

    def attributes(self, tag: str, begin: int, i: int) -> tuple[str, int]:
        """Parse the attributes of a start tag; return (tag argument, index of '>')."""
        text = self.text
        argument = ""
        while text[i] != ">":
            while i < self.size and text[i] in _SPACES:
                i += 1
            if text[i] == ">":
                break
            if i >= self.size:
                raise self.error(f"Unclosed start tag at byte offset {self.byte(begin)}")
            name_begin = i
            while text[i] not in _SPACES and text[i] not in "=>":
                i += 1
            name = text[name_begin:i]
            if not name:
                raise self.error(f'Empty attribute name in the tag "{tag}" at byte offset {self.byte(begin)}')
            while i < self.size and text[i] in _SPACES:
                i += 1
            if text[i] != "=":
                if tag == "blockquote" and name == "expandable":
                    argument = "expandable"
                    continue
                raise self.error(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{tag}" at byte offset {self.byte(begin)}'
                )
            value, i = self.attribute_value(tag, begin, i + 1)
            argument = self.tag_argument(tag, name, value, argument)
        return argument, i

    def attribute_value(self, tag: str, begin: int, i: int) -> tuple[str, int]:
        """Parse an attribute value (name token or quoted literal) starting at ``i``."""
        text = self.text
        while i < self.size and text[i] in _SPACES:
            i += 1
        if i >= self.size:
            raise self.error(f'Unclosed start tag "{tag}" at byte offset {self.byte(begin)}')
        if text[i] not in "'\"":
            token_begin = i
            while text[i].isascii() and (text[i].isalnum() or text[i] in ".-"):
                i += 1
            if text[i] not in _SPACES and text[i] != ">":
                raise self.error(f"Unexpected end of name token at byte offset {self.byte(token_begin)}")
            return text[token_begin:i].lower(), i
        quote = text[i]
        i += 1
        chars: list[str] = []
        while i < self.size and text[i] != quote:
            if text[i] == "&":
                decoded = _decode_html_entity(text, i)
                if decoded is not None:
                    chars.append(decoded[0])
                    i = decoded[1]
                    continue
            chars.append(text[i])
            i += 1
        if i >= self.size:
            raise self.error(f"Unclosed start tag at byte offset {self.byte(begin)}")
        return "".join(chars), i + 1

    @staticmethod
    def tag_argument(tag: str, name: str, value: str, current: str) -> str:
        """Return the tag's argument after seeing attribute ``name=value``."""
        if tag == "a" and name == "href":
            return value
        if tag == "code" and name == "class" and value.startswith("language-"):
            return value[len("language-") :]
        if tag == "span" and name == "class" and value.startswith("tg-"):
            return value[len("tg-") :]
        if tag == "tg-emoji" and name == "emoji-id":
            return value
        return current

    def end_tag(self, begin: int) -> int:
        """Parse an end tag at ``begin``; close the innermost open tag; return next index."""
        text = self.text
        if not self.stack:
            raise self.error(f"Unexpected end tag at byte offset {self.byte(begin)}")
        i = begin + 2
        while text[i] not in _SPACES and text[i] != ">":
            i += 1
        end_name = text[begin + 2 : i].lower()
        while i < self.size and text[i] in _SPACES:
            i += 1
        if text[i] != ">":
            raise self.error(f"Unclosed end tag at byte offset {self.byte(begin)}")
        open_tag = self.stack[-1]
        if end_name and end_name != open_tag.name:
            raise self.error(
                f"Unmatched end tag at byte offset {self.byte(begin)}, "
                f'expected "</{open_tag.name}>", found "</{end_name}>"'
            )
        if self.utf16 > open_tag.utf16_offset:
            self.close_entity(open_tag)
        self.stack.pop()
        return i + 1

    def close_entity(self, tag: _OpenTag) -> None:
        """Create the entity for a closed tag with non-empty content."""
        offset, length = tag.utf16_offset, self.utf16 - tag.utf16_offset
        base: JSON = {"offset": offset, "length": length}
        if tag.name in _SIMPLE_HTML_TYPES or tag.name == "span":
            self.entities.append({"type": _SIMPLE_HTML_TYPES.get(tag.name, "spoiler"), **base})
        elif tag.name == "tg-emoji":
            if not tag.argument.isdigit() or int(tag.argument) == 0:
                raise self.error("Invalid custom emoji identifier specified")
            self.entities.append({"type": "custom_emoji", **base, "custom_emoji_id": tag.argument})
        elif tag.name == "a":
            url = tag.argument or "".join(self.out[tag.out_index :])
            entity = _link_entity(url, offset, length, self.users)
            if entity is not None:
                self.entities.append(entity)
        elif tag.name in ("pre", "code"):
            self.close_code(tag, base)
        else:
            kind = "expandable_blockquote" if tag.argument == "expandable" else "blockquote"
            self.entities.append({"type": kind, **base})

    def close_code(self, tag: _OpenTag, base: JSON) -> None:
        """Handle </pre> and </code>, merging <pre><code class="language-x"> into one pre."""
        last = self.entities[-1] if self.entities else None
        same_range = last is not None and last["offset"] == base["offset"] and last["length"] == base["length"]
        if tag.name == "pre":
            if same_range and last is not None and last["type"] == "code" and "language" in last:
                last["type"] = "pre"
            else:
                self.entities.append({"type": "pre", **base})
        elif same_range and last is not None and last["type"] == "pre" and tag.argument:
            last["language"] = tag.argument
        else:
            entity: JSON = {"type": "code", **base}
            if tag.argument:
                entity["language"] = tag.argument
            self.entities.append(entity)

    def finish(self) -> tuple[str, list[JSON]]:
        """Parse and drop stray ``language`` arguments from plain code entities."""
        text, entities = self.parse()
        for entity in entities:
            if entity["type"] == "code":
                entity.pop("language", None)
        return text, entities


def parse_html(text: str, users: UserLookup | None = None) -> tuple[str, list[JSON]]:
    """Parse Telegram-HTML ``text``; return (plain text, entities) or raise EntityParseError."""
    return _HtmlParser(text, users or (lambda _user_id: None)).finish()


_BOT_COMMAND = re.compile(r"(?<![\w/<>])/[a-zA-Z0-9_]{1,64}(?:@[a-zA-Z0-9_]{3,32})?(?![\w/<>])")
_MENTION = re.compile(r"(?<!\w)@[a-zA-Z0-9_]{4,32}(?!\w)")
_HASHTAG = re.compile(r"(?<!\w)#\w{0,255}[^\W\d_]\w{0,255}(?![\w#])")
_URL = re.compile(r"(?<![\w@/])(?:https?|tg|ton)://[^\s<>\"]+", re.IGNORECASE)
_EMAIL = re.compile(r"(?<![\w.+\-])[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)*\.[a-zA-Z]{2,}(?!\w)")
_TRAILING_URL_PUNCTUATION = ".,;:!?)'\""


def _utf16_offsets(text: str) -> list[int]:
    """Map each code point index (and the end) to its UTF-16 offset."""
    offsets = [0] * (len(text) + 1)
    for index, char in enumerate(text):
        offsets[index + 1] = offsets[index] + (2 if ord(char) > 0xFFFF else 1)
    return offsets


def find_entities(text: str) -> list[JSON]:
    """Detect the entities Telegram adds by itself: bot_command, mention, hashtag, url, email.

    Bare domains ("example.com"), cashtags and phone numbers are not detected.
    """
    offsets = _utf16_offsets(text)
    found: list[JSON] = []
    taken: list[tuple[int, int]] = []
    patterns = (
        ("url", _URL),
        ("email", _EMAIL),
        ("bot_command", _BOT_COMMAND),
        ("mention", _MENTION),
        ("hashtag", _HASHTAG),
    )
    for kind, pattern in patterns:
        for match in pattern.finditer(text):
            start, end = match.start(), match.end()
            if kind == "url":
                while end > start and text[end - 1] in _TRAILING_URL_PUNCTUATION:
                    end -= 1
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            taken.append((start, end))
            found.append({"type": kind, "offset": offsets[start], "length": offsets[end] - offsets[start]})
    return sort_entities(found)


def merge_auto_entities(text: str, entities: list[JSON]) -> list[JSON]:
    """Add automatically detected entities that don't overlap code/pre/link entities."""
    blocked = [(e["offset"], e["offset"] + e["length"]) for e in entities if e["type"] in _CONTINUOUS_TYPES]
    extra = [
        e
        for e in find_entities(text)
        if not any(e["offset"] < end and start < e["offset"] + e["length"] for start, end in blocked)
    ]
    return sort_entities(entities + extra)


def trim_text(text: str, entities: list[JSON]) -> tuple[str, list[JSON]]:
    """Strip leading/trailing whitespace like Telegram, shifting and clipping entities."""
    stripped_left = text.lstrip(" \t\r\n")
    result = stripped_left.rstrip(" \t\r\n")
    shift = utf16_len(text[: len(text) - len(stripped_left)])
    total = utf16_len(result)
    adjusted: list[JSON] = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, total)
        if end > start:
            adjusted.append({**entity, "offset": start, "length": end - start})
    return result, adjusted


def parse_text(text: str, parse_mode: str | None, users: UserLookup | None = None) -> tuple[str, list[JSON]]:
    """Apply ``parse_mode`` (case-insensitive; None/empty for plain text).

    Raises EntityParseError for malformed markup and ValueError for an unknown parse mode.
    """
    mode = (parse_mode or "").lower()
    if not mode:
        return text, []
    if mode == "html":
        return parse_html(text, users)
    if mode in _NOT_EMULATED_MODES:
        raise ValueError(f"the emulator does not parse parse_mode {parse_mode}: the bot sends HTML")
    raise ValueError("unsupported parse_mode")


def validate_entities(text: str, entities: Any) -> list[JSON]:
    """Validate an explicit ``entities`` / ``caption_entities`` list sent by the bot."""
    if not isinstance(entities, list):
        raise ValueError("can't parse entities JSON object")
    total = utf16_len(text)
    result: list[JSON] = []
    for entity in entities:
        if not isinstance(entity, dict) or not isinstance(entity.get("type"), str):
            raise ValueError("can't parse MessageEntity")
        offset, length = entity.get("offset"), entity.get("length")
        if not isinstance(offset, int) or not isinstance(length, int) or offset < 0 or length < 0:
            raise ValueError("can't parse MessageEntity")
        end = min(offset + length, total)
        if end > offset:
            result.append({**entity, "offset": offset, "length": end - offset})
    return sort_entities(result)
