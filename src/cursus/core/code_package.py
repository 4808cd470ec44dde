"""Code packages: a step's staged code directory as a deterministic, content-addressed sourcedir.tar.gz.

Why not let the SDK tar and upload ``source_dir``: the SDK hashes the local *path* into the S3 key,
so the staged folder would have to live at the same path on every machine for two compiles to agree,
and it uploads during ``definition()``, which needs S3. Here the tarball is built in memory from
:func:`cursus.core.staging.stage_code_dir` with fixed metadata, its SHA-256 names its S3 key, and a
publisher either uploads it (online) or writes it to a local folder with the upload command (offline).
The estimator then receives the S3 URI as ``source_dir``.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from cursus.core.staging import stage_code_dir


@dataclass(frozen=True)
class CodePackage:
    """A staged code directory, tarred; ``s3_uri`` is where the job expects to find it."""

    tarball: bytes
    s3_uri: str


class CodePublisher(Protocol):
    def publish(self, package: CodePackage) -> None: ...


def build_code_package(
    container: str, code_location: str, hyperparameters: dict[str, Any] | None = None,
    hyperparameters_file: str | None = None,
) -> CodePackage:
    """Stage ``container`` and tar it; same inputs, same bytes, same URI.

    Training steps ship their full ``hyperparameters`` inside, at ``hyperparameters_file`` (relative to
    the code root); processing steps ship the code alone.
    """
    if (hyperparameters is None) != (hyperparameters_file is None):
        raise ValueError("pass hyperparameters and hyperparameters_file together: the file is where they are written")
    with tempfile.TemporaryDirectory(prefix="cursus-stage-") as tmp:
        dest = Path(tmp) / "code"
        if hyperparameters is None or hyperparameters_file is None:
            staged = stage_code_dir(container, dest)
        else:
            staged = stage_code_dir(container, dest, hyperparameters, hyperparameters_file)
        tarball = _deterministic_targz(staged)
    digest = hashlib.sha256(tarball).hexdigest()
    return CodePackage(tarball, f"{code_location.rstrip('/')}/{digest}/sourcedir.tar.gz")


def _deterministic_targz(root: Path) -> bytes:
    """Tar ``root``'s content (sorted, mtime 0, root-owned, normalised modes) and gzip with no timestamp."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for path in sorted(root.rglob("*")):
            info = tar.gettarinfo(str(path), arcname=path.relative_to(root).as_posix())
            info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "root", "root"
            info.mode = 0o755 if path.is_dir() or info.mode & 0o100 else 0o644
            if path.is_file():
                with path.open("rb") as f:
                    tar.addfile(info, f)
            else:
                tar.addfile(info)
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0) as gz:
        gz.write(raw.getvalue())
    return out.getvalue()


def split_s3_uri(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


class S3CodePublisher:
    """Uploads each package once (the key is its hash, so an existing object is already right)."""

    def __init__(self, boto_session: Any) -> None:
        self._s3 = boto_session.client("s3")

    def publish(self, package: CodePackage) -> None:
        bucket, key = split_s3_uri(package.s3_uri)
        existing = self._s3.list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=1).get("Contents", [])
        if not any(obj["Key"] == key for obj in existing):
            self._s3.put_object(Bucket=bucket, Key=key, Body=package.tarball)


class LocalCodePublisher:
    """Offline: writes each package under ``root/<bucket>/<key>`` and remembers the upload to do later."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.pending: list[tuple[Path, str]] = []

    def publish(self, package: CodePackage) -> None:
        bucket, key = split_s3_uri(package.s3_uri)
        target = self.root / bucket / key
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(package.tarball)
        if (target, package.s3_uri) not in self.pending:
            self.pending.append((target, package.s3_uri))


def upload_command(path: Path, s3_uri: str) -> str:
    """The command that puts a package written offline where the pipeline definition expects it."""
    return f"aws s3 cp {path} {s3_uri}"
