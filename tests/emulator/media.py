"""Files known to the emulator: uploads by the bot, files sent by test users, file ids."""

from __future__ import annotations

import itertools
import mimetypes
import struct
import uuid
import zlib
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]

MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024
"""getFile refuses files above 20 MB, like the cloud Bot API."""

_FOLDERS = {
    "photo": ("photos", ".jpg"),
    "document": ("documents", ""),
    "voice": ("voice", ".oga"),
    "audio": ("music", ".mp3"),
    "video": ("videos", ".mp4"),
    "animation": ("animations", ".mp4"),
    "sticker": ("stickers", ".webp"),
    "video_note": ("video_notes", ".mp4"),
}
# Largest side of the sizes Telegram generates for a photo.
_PHOTO_SIDES = (90, 320, 800, 1280, 2560)


@dataclass
class StoredFile:
    """One file with its Bot API identifiers and content.

    ``content`` is what was uploaded (or what the test user sent). Photo sizes of one photo
    share the same content: the emulator does not resize images.
    """

    file_id: str
    file_unique_id: str
    kind: str
    content: bytes
    file_name: str | None = None
    mime_type: str | None = None
    width: int | None = None
    height: int | None = None
    duration: int | None = None
    source_url: str | None = None
    file_path: str | None = None
    uploaded_by_bot: bool = False
    meta: JSON = field(default_factory=dict)

    @property
    def file_size(self) -> int:
        """Size of the content in bytes."""
        return len(self.content)


class FileStore:
    """All files by file_id, with lazily assigned download paths."""

    def __init__(self) -> None:
        self._files: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._counter = itertools.count(1)

    def add(self, kind: str, content: bytes, **attrs: Any) -> StoredFile:
        """Store ``content`` as a new file of ``kind`` and return it."""
        number = next(self._counter)
        stored = StoredFile(
            file_id=f"{kind[:2].upper()}ACAgIAAx{number:06d}{uuid.uuid4().hex}",
            file_unique_id=f"AQAD{number:06d}{uuid.uuid4().hex[:8]}",
            kind=kind,
            content=content,
            **attrs,
        )
        self._files[stored.file_id] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        """Return the file with ``file_id`` or None."""
        return self._files.get(file_id)

    def by_path(self, file_path: str) -> StoredFile | None:
        """Return the file whose download path is ``file_path`` (after getFile)."""
        return self._by_path.get(file_path)

    def assign_path(self, stored: StoredFile) -> str:
        """Give ``stored`` a download path like ``documents/file_3.pdf`` (once)."""
        if stored.file_path is None:
            folder, default_ext = _FOLDERS.get(stored.kind, ("documents", ""))
            ext = default_ext
            if stored.file_name and "." in stored.file_name:
                ext = "." + stored.file_name.rsplit(".", 1)[1]
            stored.file_path = f"{folder}/file_{len(self._by_path)}{ext}"
            self._by_path[stored.file_path] = stored
        return stored.file_path

    def all(self) -> list[StoredFile]:
        """All files in creation order."""
        return list(self._files.values())


def image_size(content: bytes) -> tuple[int, int] | None:
    """Return (width, height) of a PNG, GIF, JPEG, WebP or BMP image, or None."""
    if content.startswith(b"\x89PNG\r\n\x1a\n") and len(content) >= 24:
        width, height = struct.unpack(">II", content[16:24])
        return int(width), int(height)
    if content[:6] in (b"GIF87a", b"GIF89a") and len(content) >= 10:
        width, height = struct.unpack("<HH", content[6:10])
        return int(width), int(height)
    if content.startswith(b"BM") and len(content) >= 26:
        width, height = struct.unpack("<ii", content[18:26])
        return abs(int(width)), abs(int(height))
    if content.startswith(b"\xff\xd8"):
        return _jpeg_size(content)
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return _webp_size(content)
    return None


def _jpeg_size(content: bytes) -> tuple[int, int] | None:
    """Find the SOF marker of a JPEG and read its dimensions."""
    pos = 2
    while pos + 9 < len(content):
        if content[pos] != 0xFF:
            return None
        marker = content[pos + 1]
        length = struct.unpack(">H", content[pos + 2 : pos + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", content[pos + 5 : pos + 9])
            return int(width), int(height)
        pos += 2 + int(length)
    return None


def _webp_size(content: bytes) -> tuple[int, int] | None:
    """Read the dimensions of a lossy, lossless or extended WebP."""
    chunk = content[12:16]
    if chunk == b"VP8 " and len(content) >= 30:
        width, height = struct.unpack("<HH", content[26:30])
        return int(width) & 0x3FFF, int(height) & 0x3FFF
    if chunk == b"VP8L" and len(content) >= 25:
        bits = int.from_bytes(content[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(content) >= 30:
        width = int.from_bytes(content[24:27], "little") + 1
        height = int.from_bytes(content[27:30], "little") + 1
        return width, height
    return None


def photo_sizes(width: int, height: int) -> list[tuple[int, int]]:
    """The (width, height) list Telegram returns for a photo, smallest first."""
    sizes: list[tuple[int, int]] = []
    longest = max(width, height, 1)
    for side in _PHOTO_SIDES:
        if longest <= side:
            sizes.append((width, height))
            break
        scale = side / longest
        sizes.append((max(1, round(width * scale)), max(1, round(height * scale))))
    return sizes


def make_png(width: int = 2, height: int = 2, rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """Build a valid solid-colour PNG (handy content for test photos)."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        body = tag + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def guess_mime_type(file_name: str | None) -> str:
    """Guess a MIME type from a file name (application/octet-stream if unknown)."""
    if file_name:
        guessed, _encoding = mimetypes.guess_type(file_name)
        if guessed:
            return guessed
    return "application/octet-stream"
