"""Text formatting as the Bot API does it: parse modes, automatic entities, UTF-16 offsets.

The parsers are ports of the ones in tdlib (which the Bot API server uses), so the
error descriptions and the resulting entities match what Telegram returns. Offsets and
lengths of entities are in UTF-16 code units, as in the real API.
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
_MDV2_RESERVED = "_*[]()~`>#+-=|{}.!\n"
_MDV2_TYPE_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
    "code": "Code",
    "pre": "Pre",
    "custom_emoji": "CustomEmoji",
    "blockquote": "BlockQuote",
}
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
    """A start tag (HTML) or entity start (MarkdownV2) waiting for its end."""

    name: str
    argument: str
    utf16_offset: int
    out_index: int
    source_index: int = 0


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


class _MarkdownV2Parser:
    """Port of tdlib's ``parse_markdown_v2`` (nested entities, reserved characters)."""

    def __init__(self, text: str, users: UserLookup) -> None:
        self.source = text
        self.text = text + _END * 4
        self.size = len(text)
        self.users = users
        self.out: list[str] = []
        self.utf16 = 0
        self.entities: list[JSON] = []
        self.stack: list[_OpenTag] = []
        self.have_blockquote = False

    def emit(self, char: str) -> None:
        """Append one character to the result."""
        self.out.append(char)
        self.utf16 += 2 if ord(char) > 0xFFFF else 1

    def reserved_error(self, char: str) -> EntityParseError:
        """The error for an unescaped reserved character."""
        return EntityParseError(f"Character '{char}' is reserved and must be escaped with the preceding '\\'")

    def unclosed_error(self, tag: _OpenTag) -> EntityParseError:
        """The error for an entity without its end."""
        return EntityParseError(
            f"Can't find end of {_MDV2_TYPE_NAMES[tag.name]} entity at byte offset "
            f"{_byte_offset(self.source, tag.source_index)}"
        )

    def parse(self) -> tuple[str, list[JSON]]:
        """Parse the whole text and return (plain text, entities)."""
        i = 0
        while i < self.size:
            char = self.text[i]
            if char == "\\" and 0 < ord(self.text[i + 1]) <= 126:
                self.emit(self.text[i + 1])
                i += 2
                continue
            reserved = _MDV2_RESERVED
            if self.stack and self.stack[-1].name in ("code", "pre"):
                reserved = "`"
            if char not in reserved:
                self.emit(char)
                i += 1
                continue
            i = self.close(char, i) if self.stack and self.is_end(char, i) else self.open(char, i)
        self.finish_blockquote()
        if self.stack:
            raise self.unclosed_error(self.stack[-1])
        return "".join(self.out), sort_entities(self.entities)

    def is_end(self, char: str, i: int) -> bool:
        """Whether ``char`` at ``i`` ends the innermost open entity."""
        nxt = self.text[i + 1]
        if self.have_blockquote and char == "\n" and (i + 1 == self.size or nxt != ">"):
            return True
        name = self.stack[-1].name
        ends = {
            "bold": char == "*",
            "italic": char == "_" and nxt != "_",
            "code": char == "`",
            "pre": char == "`" and nxt == "`" and self.text[i + 2] == "`",
            "text_link": char == "]",
            "underline": char == "_" and nxt == "_",
            "strikethrough": char == "~",
            "spoiler": char == "|" and nxt == "|",
            "custom_emoji": char == "]",
        }
        return ends.get(name, False)

    def open(self, char: str, i: int) -> int:
        """Start an entity at ``i`` (or handle newline/blockquote); return next index."""
        text = self.text
        start, argument, name = i, "", ""
        if char == "_":
            name = "underline" if text[i + 1] == "_" else "italic"
            i += 1 if name == "underline" else 0
        elif char in "*~":
            name = "bold" if char == "*" else "strikethrough"
        elif char == "|":
            if text[i + 1] != "|":
                raise self.reserved_error(char)
            name, i = "spoiler", i + 1
        elif char == "[":
            name = "text_link"
        elif char == "`":
            if text[i + 1] == "`" and text[i + 2] == "`":
                name = "pre"
                argument, i = self.pre_language(i + 3)
            else:
                name = "code"
        elif char == "!":
            if text[i + 1] != "[":
                raise self.reserved_error(char)
            name, i = "custom_emoji", i + 1
        elif char == "\n":
            self.emit("\n")
            if i + 1 < self.size and text[i + 1] == ">":
                i += 1
                if not self.have_blockquote:
                    name, self.have_blockquote = "blockquote", True
            if not name:
                return i + 1
        elif char == ">" and i == 0:
            name, self.have_blockquote = "blockquote", True
        else:
            raise self.reserved_error(char)
        self.stack.append(_OpenTag(name, argument, self.utf16, len(self.out), start))
        return i + 1

    def pre_language(self, i: int) -> tuple[str, int]:
        """Read the optional language after ```; return (language, index of last skipped)."""
        text = self.text
        language_end = i
        while text[language_end] not in _SPACES and text[language_end] != "`":
            language_end += 1
        language = ""
        if i != language_end and language_end < self.size and text[language_end] != "`":
            language, i = text[i:language_end], language_end
        if text[i] in "\r\n":
            pair = text[i + 1] in "\r\n" and text[i] != text[i + 1]
            i += 2 if pair else 1
        return language, i - 1

    def read_url(self, i: int, what: str) -> tuple[str, int]:
        """Read a (url) part starting at ``text[i] == '('``; return (url, index of ')')."""
        text = self.text
        i += 1
        begin = i
        chars: list[str] = []
        while i < self.size and text[i] != ")":
            if text[i] == "\\" and 0 < ord(text[i + 1]) <= 126:
                chars.append(text[i + 1])
                i += 2
                continue
            chars.append(text[i])
            i += 1
        if text[i] != ")":
            raise EntityParseError(f"Can't find end of {what} at byte offset {_byte_offset(self.source, begin)}")
        return "".join(chars), i

    def close(self, char: str, i: int) -> int:
        """End the innermost entity at ``i``; return the next index."""
        tag = self.stack[-1]
        if char == "\n" and tag.name != "blockquote":
            raise self.unclosed_error(tag)
        skip = self.utf16 == tag.utf16_offset
        extra: JSON = {}
        name = tag.name
        if name in ("underline", "spoiler"):
            i += 1
        elif name == "pre":
            i += 2
        elif name == "text_link":
            if self.text[i + 1] == "(":
                url, i = self.read_url(i + 1, "a URL")
            else:
                url = "".join(self.out[tag.out_index :])
            link = _link_entity(url, tag.utf16_offset, self.utf16 - tag.utf16_offset, self.users)
            skip = skip or link is None
            if link is not None:
                name, extra = link["type"], {k: v for k, v in link.items() if k in ("url", "user")}
        elif name == "custom_emoji":
            if self.text[i + 1] != "(":
                raise EntityParseError("Custom emoji entity must contain a tg://emoji URL")
            url, i = self.read_url(i + 1, "a custom emoji URL")
            extra = {"custom_emoji_id": _custom_emoji_id(url)}
        elif name == "blockquote":
            self.have_blockquote = False
            self.emit(self.text[i])
        if name == "pre" and tag.argument:
            extra = {"language": tag.argument}
        if not skip:
            length = self.utf16 - tag.utf16_offset
            self.entities.append({"type": name, "offset": tag.utf16_offset, "length": length, **extra})
        self.stack.pop()
        return i + 1

    def finish_blockquote(self) -> None:
        """Close a blockquote that runs to the end of the text."""
        if self.have_blockquote and self.stack and self.stack[-1].name == "blockquote":
            tag = self.stack.pop()
            self.have_blockquote = False
            if self.utf16 != tag.utf16_offset:
                length = self.utf16 - tag.utf16_offset
                self.entities.append({"type": "blockquote", "offset": tag.utf16_offset, "length": length})


def _custom_emoji_id(url: str) -> str:
    """Extract the id from a tg://emoji?id=N URL."""
    match = re.match(r"^tg://emoji\?id=(\d+)$", url)
    if match is None or int(match.group(1)) == 0:
        raise EntityParseError("Custom emoji URL must have an emoji identifier")
    return match.group(1)


def parse_markdown_v2(text: str, users: UserLookup | None = None) -> tuple[str, list[JSON]]:
    """Parse MarkdownV2 ``text``; return (plain text, entities) or raise EntityParseError."""
    return _MarkdownV2Parser(text, users or (lambda _user_id: None)).parse()


def parse_markdown(text: str, users: UserLookup | None = None) -> tuple[str, list[JSON]]:
    """Parse legacy Markdown (``*bold* _italic_ `code` ```pre``` [text](url)``)."""
    lookup = users or (lambda _user_id: None)
    src = text + _END * 4
    size = len(text)
    out: list[str] = []
    entities: list[JSON] = []
    utf16 = 0
    i = 0
    while i < size:
        char = src[i]
        if char == "\\" and src[i + 1] in "_*`[":
            out.append(src[i + 1])
            utf16 += 1
            i += 2
            continue
        if char not in "_*`[":
            out.append(char)
            utf16 += 2 if ord(char) > 0xFFFF else 1
            i += 1
            continue
        begin, end_char, is_pre, language = i, "]" if char == "[" else char, False, ""
        i += 1
        if char == "`" and src[i] == "`" and src[i + 1] == "`":
            is_pre, i = True, i + 2
            language_end = i
            while src[language_end] not in _SPACES and src[language_end] != "`":
                language_end += 1
            if i != language_end and language_end < size and src[language_end] != "`":
                language, i = src[i:language_end], language_end
            if src[i] in "\r\n":
                i += 2 if (src[i + 1] in "\r\n" and src[i] != src[i + 1]) else 1
        start_utf16 = utf16
        start_out = len(out)
        while i < size and (src[i] != end_char or (is_pre and not (src[i + 1] == "`" and src[i + 2] == "`"))):
            out.append(src[i])
            utf16 += 2 if ord(src[i]) > 0xFFFF else 1
            i += 1
        if i >= size:
            raise EntityParseError(f"Can't find end of the entity starting at byte offset {_byte_offset(text, begin)}")
        length = utf16 - start_utf16
        if char == "[":
            url = "".join(out[start_out:])
            if src[i + 1] == "(":
                close = src.find(")", i + 2)
                close = size if close == -1 or close > size else close
                url, i = src[i + 2 : close], close
            entity = _link_entity(url, start_utf16, length, lookup) if length else None
            if entity is not None:
                entities.append(entity)
        elif length:
            kind = {"_": "italic", "*": "bold"}.get(char, "pre" if is_pre else "code")
            entity = {"type": kind, "offset": start_utf16, "length": length}
            if language:
                entity["language"] = language
            entities.append(entity)
        i += 3 if is_pre else 1
    return "".join(out), sort_entities(entities)


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
    if mode == "markdownv2":
        return parse_markdown_v2(text, users)
    if mode == "markdown":
        return parse_markdown(text, users)
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
