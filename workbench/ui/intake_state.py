"""State of document intake on the input screen (no Panel widgets here, so everything is unit-testable).

* :class:`ChunkedUpload` — puts one uploaded file back together from the browser's chunks, within the size limit,
  on the server: the browser's own limit is only a courtesy.
* :class:`IntakeState` — reads an uploaded document from memory, shows what it proposes for the form with the
  sentences each proposal came from, and applies proposals to the form only as the examiner asks: a field that
  already holds a different value is changed only by that field's own button, never by "빈 항목에 모두 적용".

The file is never kept: it is written to a temporary file only for the reader (which needs a path) and deleted at
once; what stays is its name and SHA-256 (:attr:`FormState.document`), saved with the judgment.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import param

from workbench.intake.errors import IntakeError
from workbench.intake.propose import FIELDS, Proposal, propose
from workbench.intake.read import MAX_BYTES, check_size
from workbench.schema.record import SPEC_BY_NAME
from workbench.ui.state import FormState

log = logging.getLogger(__name__)

# Bokeh sends each chunk as a binary buffer in a websocket message of its own (tried: 1,000 KiB chunks pass a 1 MiB
# cap, 10 MiB chunks are refused): 512 KiB keeps half of `make run`'s 1 MiB cap (WS_MAX_BYTES) as headroom, and
# stays under it even base64-encoded (683 KiB).
CHUNK_BYTES = 512 * 1024
INTERRUPTED_KO = "파일 업로드가 중간에 끊겼습니다. 파일을 다시 올려 주세요."


class ChunkedUpload:
    """Assembles one file from chunks ``1..total`` sent in order, refusing a file over the intake limit (200 MB) as
    soon as its chunk count shows it (before its bytes arrive) and never buffering more than the limit.

    :meth:`add` returns the whole file at its last chunk, else ``None``; raises :class:`IntakeError`. After a
    refusal the rest of that file's chunks are dropped quietly (the browser keeps sending them)."""

    def __init__(self, chunk_bytes: int = CHUNK_BYTES) -> None:
        self.chunk_bytes = chunk_bytes
        self._name: str | None = None
        self._parts: list[bytes] = []
        self._size = 0
        self._next = 0  # the chunk expected next; 0: none (idle, or dropping a refused file's chunks)

    def reset(self) -> None:
        self._name, self._parts, self._size, self._next = None, [], 0, 0

    def add(self, name: str, chunk: int, total: int, data: Any) -> bytes | None:
        if chunk == 1:
            self.reset()
            if not isinstance(total, int) or total < 1:
                raise IntakeError("interrupted", INTERRUPTED_KO, f"total_chunks={total!r}")
            if (total - 1) * self.chunk_bytes > MAX_BYTES:  # the file has at least this many bytes
                check_size((total - 1) * self.chunk_bytes)
            self._name, self._next = name, 1
        elif self._next == 0:
            return None  # the rest of a refused or finished file
        if (name, chunk) != (self._name, self._next) or not isinstance(data, (bytes, bytearray, memoryview)) \
                or len(data) > self.chunk_bytes:
            self.reset()
            raise IntakeError("interrupted", INTERRUPTED_KO, f"chunk {chunk}/{total} of {name!r}")
        self._size += len(data)
        if self._size > MAX_BYTES:
            size = self._size
            self.reset()
            check_size(size)
        self._parts.append(bytes(data))
        if chunk < total:
            self._next += 1
            return None
        data = b"".join(self._parts)
        self.reset()
        check_size(len(data))  # an empty file
        return data


def read_upload(name: str, data: bytes) -> Proposal:
    """The proposal of an uploaded file held in memory. The reader needs a path: the bytes go to a temporary file
    that is deleted as soon as it is read (raises :class:`IntakeError`)."""
    check_size(len(data))
    suffix = Path(name).suffix.lower()[:10]
    handle, path = tempfile.mkstemp(prefix="workbench-intake-", suffix=suffix)
    try:
        with os.fdopen(handle, "wb") as fh:
            fh.write(data)
        return propose(path, name)
    finally:
        os.unlink(path)


def display_name(name: str) -> str:
    """The uploaded file's base name (a browser sends a relative path for a dropped folder), at most 255 characters
    (the stored column)."""
    base = Path(name.replace("\\", "/")).name.strip() or "문서"
    return base if len(base) <= 255 else base[:120] + "…" + base[-120:]


class IntakeState(param.Parameterized):
    """The document on the input screen: its proposal, the error of the last upload, and applying proposals."""

    form = param.ClassSelector(class_=FormState)
    proposal = param.ClassSelector(class_=Proposal, allow_None=True, doc="Proposal of the current document.")
    error = param.String(default="", doc="Korean message of the last refused upload ('' when it was read).")
    reading = param.Boolean(default=False, doc="A document is being read.")
    message = param.String(default="", doc="Korean note: what '빈 항목에 모두 적용' did, or that the document was "
                           "taken off for another company.")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.form.param.watch(self._on_company, "business_reg_no")

    def _on_company(self, event: param.parameterized.Event) -> None:
        """Another 사업자등록번호 over a typed one is another company: its judgment must not carry this document."""
        old, new = ("".join(ch for ch in v or "" if ch.isdigit()) for v in (event.old, event.new))
        if old and new != old and self.form.document:
            name = self.form.document[0]
            self.remove()
            self.message = f"사업자등록번호가 바뀌어 이전 기업의 문서({name})를 뺐습니다. 이 기업의 문서를 올리세요."

    # ----------------------------------------------------------------- reading

    def start(self, name: str, data: bytes) -> tuple[str, str]:
        self.param.update(reading=True, error="", message="")
        return display_name(name), hashlib.sha256(data).hexdigest()

    def finish(self, document: tuple[str, str], proposal: Proposal | None, error: BaseException | None) -> bool:
        """Show a read document, or the Korean reason it was refused; a refusal keeps everything on screen (the
        form, the previous document and its proposals)."""
        self.reading = False
        if error is None:
            assert proposal is not None
            self.form.document = document
            self.param.update(proposal=proposal, error="")
            log.info("document read: %s, %d fields proposed", proposal.format, len(proposal.fields))
            return True
        if isinstance(error, IntakeError):
            self.error = f"{document[0]}: {error.message_ko}"
            log.info("document refused: %s", error.kind)
        else:
            self.error = f"{document[0]}: 문서를 읽는 중 예기치 않은 오류가 발생했습니다. 다른 형식으로 저장해 올려 주세요."
            log.error("document reader failed: %s", type(error).__name__, exc_info=error)
        return False

    def receive(self, name: str, data: bytes) -> bool:
        """Read an uploaded file (synchronous). ``True`` when it was read and its proposals are shown."""
        document = self.start(name, data)
        try:
            proposal, error = read_upload(document[0], data), None
        except Exception as exc:
            proposal, error = None, exc
        return self.finish(document, proposal, error)

    async def receive_async(self, name: str, data: bytes) -> bool:
        """:meth:`receive` for the server: the reader runs in a worker thread."""
        document = self.start(name, data)
        try:
            proposal, error = await asyncio.to_thread(read_upload, document[0], data), None
        except Exception as exc:
            proposal, error = None, exc
        return self.finish(document, proposal, error)

    def refuse(self, name: str, error: IntakeError) -> None:
        """An upload refused before it was complete (:class:`ChunkedUpload`)."""
        self.finish((display_name(name), ""), None, error)

    def remove(self) -> None:
        """'문서 빼기': forget the document and its proposals; what is in the form stays."""
        self.form.document = None
        self.param.update(proposal=None, error="", message="")

    # ----------------------------------------------------------------- applying proposals

    def proposed(self, name: str) -> str | None:
        found = self.proposal.fields.get(name) if self.proposal else None
        return found.value if found else None

    def status(self, name: str) -> str:
        """'none' (nothing proposed), 'same' (the form holds it), 'blank' (the field is empty) or 'differs'."""
        value = self.proposed(name)
        if value is None:
            return "none"
        current = getattr(self.form, name).strip()
        if current == value:
            return "same"
        return "blank" if not current else "differs"

    def apply(self, name: str) -> bool:
        """Put the proposal of one field into the form (the examiner's explicit choice, also over a typed value)."""
        value = self.proposed(name)
        if value is None or name not in FIELDS:
            return False
        setattr(self.form, name, value)
        return True

    def apply_blank(self) -> list[str]:
        """'빈 항목에 모두 적용': fill every empty field that has a proposal; a field holding another value is left as
        it is and named in :attr:`message`. Returns the fields filled."""
        filled = [n for n in FIELDS if self.status(n) == "blank"]
        for name in filled:
            setattr(self.form, name, self.proposed(name))
        kept = [SPEC_BY_NAME[n].label_ko for n in FIELDS if self.status(n) == "differs"]
        parts = [f"{len(filled)}개 항목을 채웠습니다." if filled else "채울 빈 항목이 없습니다."]
        if kept:
            parts.append(f"입력된 값이 있는 항목({', '.join(kept)})은 바꾸지 않았습니다. "
                         "바꾸려면 항목별 '입력값 바꾸기'를 누르세요.")
        self.message = " ".join(parts)
        return filled
