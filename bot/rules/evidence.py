"""What a checklist question answered with files takes, decided from what Telegram says of
a file before anything is downloaded (its kind, MIME type, name and size).

- `image`: photos (a photo, or an image sent as a file);
- `file`: a document: PDF, an image, an office document (Word, Excel, PowerPoint,
  OpenDocument, WPS, OFD) or plain text, or a photo (of a paper document);
- `audio`: a recording: a voice message, an audio file, or a document whose type is audio;
- `video`: a video, a round video message, or a document whose type is video.

Anything else (an executable, an archive) is not evidence Choucha keeps: it is refused
with what the question takes. The photo steps outside the checklist (the shortcut's, the
signed paper record's, the witness's) take photos as an `image` question does.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import PurePosixPath

# The Bot API lets a bot download a file of at most 20 MB: getFile, "For the moment, bots
# can download files of up to 20MB in size." (core.telegram.org/bots/api#getfile; the
# reference as JSON in ../shared/telegram-bot-api/api.min.json, Bot API 10.1). A larger
# file is refused before anything is downloaded.
MAX_DOWNLOAD = 20 * 1024 * 1024

# The question types answered with files, one or more each (at most MAX_FILES).
FILE_TYPES = ("image", "file", "audio", "video")
MAX_FILES = 20


class FileKind(enum.StrEnum):
    """How a file came in a message: the field of Telegram's Message that holds it."""

    PHOTO = "photo"
    DOCUMENT = "document"
    VOICE = "voice"
    AUDIO = "audio"
    VIDEO = "video"
    VIDEO_NOTE = "video_note"


# The type a file has when Telegram names none: a photo is a JPEG, a voice message Ogg Opus
# (what Telegram's apps record; sendVoice: "an .OGG file encoded with OPUS"), a round video
# message an MP4 (sendVideoNote: "rounded square MPEG4 videos"; VideoNote has no mime_type).
USUAL_MIME = {FileKind.PHOTO: "image/jpeg", FileKind.DOCUMENT: "application/octet-stream",
              FileKind.VOICE: "audio/ogg", FileKind.AUDIO: "audio/mpeg",
              FileKind.VIDEO: "video/mp4", FileKind.VIDEO_NOTE: "video/mp4"}


@dataclass(frozen=True)
class Incoming:
    """A file as Telegram describes it, before it is downloaded."""

    kind: FileKind
    mime: str
    name: str | None  # its own name: a document's, an audio file's or a video's
    size: int | None  # in bytes, when Telegram says

    @classmethod
    def of(cls, kind: FileKind, mime: str | None, name: str | None,
           size: int | None) -> Incoming:
        """As Telegram gave it, with the usual type where it named none."""
        return cls(kind, (mime or "").strip().lower() or USUAL_MIME[kind], name or None, size)

    @property
    def extension(self) -> str:
        return PurePosixPath(self.name or "").suffix.lower()


PHOTO = Incoming(FileKind.PHOTO, USUAL_MIME[FileKind.PHOTO], None, None)

# The documents a `file` question takes, by MIME type and by the name's ending (a phone
# often sends an office document as application/octet-stream; WPS and OFD, China's
# electronic document format (GB/T 33190), have no registered type everywhere).
DOCUMENT_MIMES = frozenset({
    "application/pdf", "text/plain",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "application/ofd",
})
DOCUMENT_ENDINGS = frozenset({
    ".pdf", ".txt", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".odt", ".ods",
    ".odp", ".wps", ".et", ".dps", ".ofd", ".jpg", ".jpeg", ".png", ".heic", ".webp",
})
AUDIO_ENDINGS = frozenset({".mp3", ".m4a", ".aac", ".amr", ".ogg", ".oga", ".opus", ".wav",
                           ".flac", ".wma"})
VIDEO_ENDINGS = frozenset({".mp4", ".mov", ".m4v", ".3gp", ".mkv", ".webm", ".avi"})


class Unfit(enum.StrEnum):
    """Why a file does not answer a question."""

    WRONG_KIND = "wrong_kind"  # not what the question takes
    TOO_LARGE = "too_large"  # larger than a bot may download


def takes(question_type: str, incoming: Incoming) -> bool:
    """Whether a question of `question_type` takes this kind of file."""
    kind, mime, ending = incoming.kind, incoming.mime, incoming.extension
    document = kind == FileKind.DOCUMENT
    if question_type == "image":
        return kind == FileKind.PHOTO or (document and mime.startswith("image/"))
    if question_type == "file":
        return kind == FileKind.PHOTO or (document and (
            mime in DOCUMENT_MIMES or mime.startswith("image/") or ending in DOCUMENT_ENDINGS))
    if question_type == "audio":
        return kind in (FileKind.VOICE, FileKind.AUDIO) or (document and (
            mime.startswith("audio/") or ending in AUDIO_ENDINGS))
    if question_type == "video":
        return kind in (FileKind.VIDEO, FileKind.VIDEO_NOTE) or (document and (
            mime.startswith("video/") or ending in VIDEO_ENDINGS))
    return False


def unfit(question_type: str, incoming: Incoming) -> Unfit | None:
    """None when the file answers the question and may be downloaded; else why not (the
    kind first: a wrong file is wrong whatever its size)."""
    if not takes(question_type, incoming):
        return Unfit.WRONG_KIND
    if incoming.size is not None and incoming.size > MAX_DOWNLOAD:
        return Unfit.TOO_LARGE
    return None


# What a document sent through the party's page is (bot/services/visits/materials.py): its
# type by its name's ending, confirmed by its first bytes. A browser declares any type it
# likes, so the declared one is not read: "payload.exe" sent as application/pdf, or an SVG
# (which can carry script), is not a document here.
_ZIP = (b"PK\x03\x04",)
_OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
_PARTY_DOCUMENTS: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", (b"%PDF",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".doc": ("application/msword", _OLE),
    ".xls": ("application/vnd.ms-excel", _OLE),
    ".ppt": ("application/vnd.ms-powerpoint", _OLE),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
              _ZIP),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ZIP),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation",
              _ZIP),
    ".odt": ("application/vnd.oasis.opendocument.text", _ZIP),
    ".ods": ("application/vnd.oasis.opendocument.spreadsheet", _ZIP),
    ".odp": ("application/vnd.oasis.opendocument.presentation", _ZIP),
    ".ofd": ("application/ofd", _ZIP),
    # WPS's own formats: the old ones are OLE files, the new ones zip files
    ".wps": ("application/vnd.ms-works", _OLE + _ZIP),
    ".et": ("application/vnd.ms-excel", _OLE + _ZIP),
    ".dps": ("application/vnd.ms-powerpoint", _OLE + _ZIP),
}


def party_document(name: str, data: bytes) -> str | None:
    """The type of a document the party sent, when its name's ending and its first bytes
    agree (or it is plain text: UTF-8 or GB 18030 without NUL); None for anything else."""
    ending = PurePosixPath(name).suffix.lower()
    if ending == ".txt":
        if b"\x00" in data:
            return None
        for encoding in ("utf-8", "gb18030"):
            try:
                data.decode(encoding)
            except UnicodeDecodeError:
                continue
            return "text/plain"
        return None
    if ending in (".webp",):
        return "image/webp" if data[:4] == b"RIFF" and data[8:12] == b"WEBP" else None
    if ending == ".heic":
        return "image/heic" if data[4:8] == b"ftyp" and data[8:12] in (
            b"heic", b"heix", b"mif1", b"msf1", b"hevc") else None
    known = _PARTY_DOCUMENTS.get(ending)
    if known is None or not data.startswith(known[1]):
        return None
    return known[0]
