"""Uploaded files kept with an order's records: the customer-signed delivery copy, the signed contract scan."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from yewu.common.errors import ValidationError
from yewu.common.text import clean_text
from yewu.org.models import User

from .models import Attachment

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES = ("image/jpeg", "image/png", "image/webp", "image/heic", "application/pdf")


@dataclass
class FileIn:
    name: str
    content_type: str
    content: bytes


def save_attachment(actor: User, f: FileIn, field: str = "file") -> Attachment:
    if not f.content:
        raise ValidationError("文件为空", fields={field: "文件为空"})
    if len(f.content) > MAX_ATTACHMENT_BYTES:
        raise ValidationError(f"文件超过 {MAX_ATTACHMENT_BYTES // 1024 // 1024} MB", fields={field: "文件过大"})
    ctype = (f.content_type or "").split(";")[0].strip().lower()
    if ctype not in ATTACHMENT_TYPES:
        raise ValidationError(f"只接受照片（JPG/PNG/WebP/HEIC）或 PDF，收到 {ctype or '未知类型'}", fields={field: "文件类型"})
    return Attachment.objects.create(name=clean_text(f.name, field=field, label="文件名", max_len=200) or "upload",
                                     content_type=ctype, size=len(f.content), sha256=hashlib.sha256(f.content).hexdigest(),
                                     content=f.content, uploaded_by=actor)
