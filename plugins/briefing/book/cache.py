"""The PDF book's cache folder: where it is, whether it may be used, and its entries.

The cache is an optimisation, never an input. It holds what this machine's Briefing
wrote (each laid-out part and its page count and anchors; the book's reading of each
page of the site), so an unchanged article is not laid out again. A pull request can
add any file to the checkout, and the names of the entries are digests anyone can
compute from the public code, so:

- the folder is ``BRIEFING_CACHE_DIR`` when that is set (CI sets it outside the
  checkout), else ``.cache/briefing-pdf`` in the project (ignored by git);
- a folder that is a symbolic link (or reached through one inside the project), that is
  not a folder, or that holds files git tracks is refused: the book is made without it,
  with a warning that names it;
- every entry is signed (HMAC-SHA256) with a key kept outside the project, and a laid-out
  part's PDF is checked against the size and SHA-256 its signed entry records: an entry
  this machine did not write, or one damaged, is a miss, never an input;
- entries are read without following links, up to a size, and only regular files;
  nothing is written but through new files of its own in the folder, renamed into
  place, and pruning deletes only entries named as Briefing names them.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import secrets
import shutil
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from pydantic import ConfigDict, TypeAdapter, ValidationError

from ..core.diagnostics import Diagnostics, Position

CACHE_ENV = "BRIEFING_CACHE_DIR"
"""The environment variable that places the book's cache (absolute, or relative to the
project)."""
DEFAULT_FOLDER = Path(".cache") / "briefing-pdf"
"""The cache's folder in the project when ``BRIEFING_CACHE_DIR`` is not set."""
USER_KEY = Path("briefing") / "book-cache.key"
"""The key of a cache inside the project, under the user's cache folder (XDG)."""
FOLDER_KEY = "key"
"""The key of a cache outside the project, in the folder itself (it travels with it)."""
PAGES = "pages"
"""The sub-folder of the book's reading of each page."""
ENTRY = re.compile(r"(?:pages/)?[0-9a-f]{32}\.json|[0-9a-f]{32}\.pdf")
"""The names Briefing gives entries: nothing else is read or pruned."""
MAX_ENTRY = 64 * 2**20
"""Bytes an entry may have: a larger file is a miss, unread."""
MAX_PDF = 256 * 2**20
"""Bytes a part's PDF may have (read only when a signed entry gives its size)."""
STALE = 24 * 3600
"""Seconds after which what a stopped build left in the folder is deleted."""
SIGNED = b"briefing-cache 1 "
"""How a signed entry starts: this, its HMAC in hex, a line break, then the data."""
CACHE_FORMAT = "2"
"""Part of every cache key: bump it when what a cached layout holds changes."""
ENTRY_CONFIG = ConfigDict(extra="forbid", strict=True)
"""How an entry's shape is checked (``BookCache.load``): no other keys, nothing coerced."""

T = TypeVar("T")


def cache_folder(root: Path) -> Path:
    """Where the book's cache of the project at ``root`` is."""
    value = os.environ.get(CACHE_ENV, "").strip()
    if not value:
        return root / DEFAULT_FOLDER
    return Path(os.path.abspath(root / Path(value).expanduser()))  # ".." taken out


def shown(folder: Path, root: Path) -> str:
    """The folder as messages name it: relative to the project when inside it."""
    try:
        return folder.relative_to(root).as_posix()
    except ValueError:
        return str(folder)


def refusal(folder: Path, root: Path) -> str | None:
    """Why ``folder`` may not hold the book's cache (None: it may). A pull request can
    commit a link or a file in the folder's place, or entries in it."""
    try:
        inside = folder.relative_to(root)
    except ValueError:
        inside = None
    # Within the project every step is the pull request's to make; outside it, only the
    # folder itself is looked at (a maintainer may keep ~/.cache on another disk).
    steps = [folder]
    if inside is not None:
        steps = [root.joinpath(*inside.parts[: n + 1]) for n in range(len(inside.parts))]
    for step in [*steps, folder / PAGES]:
        try:
            mode = step.lstat().st_mode
        except OSError:
            break  # missing: made by the build, as a folder
        if stat.S_ISLNK(mode):
            return f"{shown(step, root)} is a symbolic link"
        if not stat.S_ISDIR(mode):
            return f"{shown(step, root)} is not a folder"
    tracked = _tracked(folder, root if inside is not None else folder)
    if tracked:
        return f"git tracks {tracked} file{'s' if tracked != 1 else ''} in it"
    return None


def _tracked(folder: Path, where: Path) -> int:
    """How many files in ``folder`` git tracks (0 when it is in no repository, or git
    cannot say), asking git in ``where``: the project for a folder in it, never the folder,
    where a planted ``.git`` (from an archive) could configure git to run a program."""
    if not folder.is_dir():
        return 0
    try:
        done = subprocess.run(
            ["git", "-c", "core.fsmonitor=false", "ls-files", "-z", "--", str(folder)],
            cwd=where,
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return 0
    return done.stdout.count(b"\0") if done.returncode == 0 else 0


def _key_file(folder: Path, root: Path) -> Path | None:
    """Where the key of the cache in ``folder`` is kept: never in the project (None when
    the user's cache folder is in it)."""
    if not folder.resolve().is_relative_to(root.resolve()):
        return folder / FOLDER_KEY
    home = os.environ.get("XDG_CACHE_HOME", "")
    try:
        base = Path(home) if Path(home).is_absolute() else Path.home() / ".cache"
    except RuntimeError:  # no home folder
        return None
    where = base / USER_KEY
    return None if where.resolve().is_relative_to(root.resolve()) else where


def _read_key(where: Path) -> bytes | None:
    data = read_regular(where, 128)
    text = data.decode("ascii", "replace").strip() if data is not None else ""
    return bytes.fromhex(text) if re.fullmatch(r"[0-9a-f]{64}", text) else None


def _keep_key(where: Path) -> bytes:
    """The key kept in ``where``, made (readable by its owner only) if there is none."""
    key = _read_key(where)
    if key is not None:
        return key
    where.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=where.parent, prefix=".new-", suffix=".key")
    try:
        with os.fdopen(fd, "w", encoding="ascii") as file:
            file.write(secrets.token_hex(32) + "\n")
        with contextlib.suppress(FileExistsError):  # another build made it first
            os.link(temporary, where)
        if _read_key(where) is None:  # damaged: replaced
            os.replace(temporary, where)
    finally:
        Path(temporary).unlink(missing_ok=True)
    key = _read_key(where)
    if key is None:
        raise OSError(f"{where}: the key cannot be read back")
    return key


def read_regular(path: Path, limit: int) -> bytes | None:
    """The bytes of ``path`` if it is a regular file (not a link, a pipe or a device) of
    at most ``limit`` bytes; None otherwise, or if it cannot be read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        with os.fdopen(os.dup(fd), "rb") as file:
            data = file.read(limit + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    return data if len(data) <= limit else None


@dataclass
class BookCache:
    """A cache folder that may be used, and the key its entries are signed with."""

    folder: Path
    key: bytes
    note: str = ""
    """Why entries will not be found again (the key could not be kept), for the log."""
    rejected: int = 0
    """Entries found but not used: not signed with this key, damaged or ill-formed."""
    used: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        (self.folder / PAGES).mkdir(parents=True, exist_ok=True)

    def _mac(self, name: str, data: bytes) -> bytes:
        return hmac.new(self.key, name.encode() + b"\0" + data, hashlib.sha256).hexdigest().encode()

    def read(self, name: str) -> bytes | None:
        """The data of the entry ``name`` (``<digest>.json`` or ``pages/<digest>.json``),
        if this machine signed it; None for a miss. The name counts as used."""
        assert ENTRY.fullmatch(name), name
        self.used.add(name)
        raw = read_regular(self.folder / name, MAX_ENTRY)
        if raw is None:
            return None
        head, _, data = raw.partition(b"\n")
        if head.startswith(SIGNED) and hmac.compare_digest(
            head[len(SIGNED) :], self._mac(name, data)
        ):
            return data
        self.rejected += 1
        return None

    def load(self, name: str, shape: TypeAdapter[T]) -> T | None:
        """The entry ``name``, this machine's and of the ``shape`` (JSON), or None."""
        data = self.read(name)
        if data is None:
            return None
        try:
            return shape.validate_json(data)
        except ValidationError:
            self.rejected += 1
            return None

    def write(self, name: str, data: bytes) -> None:
        """Sign and keep ``data`` as the entry ``name`` (a failure only costs a miss)."""
        assert ENTRY.fullmatch(name), name
        self.place(SIGNED + self._mac(name, data) + b"\n" + data, name)

    def place(self, data: bytes | Path, name: str) -> bool:
        """Put ``data`` (bytes, or a file of ``incoming()`` moved) at ``name``, through a
        new file renamed into place: a link planted at the name is replaced, never
        followed. False if it could not be."""
        self.used.add(name)
        target = self.folder / name
        try:
            if isinstance(data, Path):
                os.replace(data, target)
                return True
            fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".new-", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as file:
                    file.write(data)
                os.replace(temporary, target)
            finally:
                Path(temporary).unlink(missing_ok=True)
        except OSError:
            return False
        return True

    def matches(self, name: str, size: int, sha256: str) -> bool:
        """Whether the file ``name`` (a part's PDF) has this size and SHA-256."""
        assert ENTRY.fullmatch(name), name
        self.used.add(name)
        data = read_regular(self.folder / name, min(size, MAX_PDF))
        if data is not None and len(data) == size and hashlib.sha256(data).hexdigest() == sha256:
            return True
        self.rejected += 1
        return False

    @contextlib.contextmanager
    def incoming(self) -> Iterator[Path]:
        """A new folder of this build's own in the cache, for files made before they are
        placed (removed afterwards with what is left in it)."""
        made = Path(tempfile.mkdtemp(dir=self.folder, prefix=".new-"))
        try:
            yield made
        finally:
            shutil.rmtree(made, ignore_errors=True)

    def prune(self) -> None:
        """Delete the entries this build did not use (the cache does not grow forever):
        only names as Briefing makes them, files or links (a link, not what it points
        at), nothing else; and what a build that was stopped left a day ago (its new
        files and folders: a running build's are younger)."""
        stale = time.time() - STALE
        for sub in ("", PAGES):
            try:
                found = list(os.scandir(self.folder / sub))
            except OSError:
                continue
            for item in found:
                name = f"{sub}/{item.name}" if sub else item.name
                unused = ENTRY.fullmatch(name) is not None and name not in self.used
                with contextlib.suppress(OSError):
                    left = item.name.startswith(".new-") and (
                        item.stat(follow_symlinks=False).st_mtime < stale
                    )
                    if left and item.is_dir(follow_symlinks=False):
                        shutil.rmtree(item.path)  # (a link in it is removed, not followed)
                    elif (left or unused) and not item.is_dir(follow_symlinks=False):
                        os.unlink(item.path)  # a file, or a link (not what it points at)


def check_cache(folder: Path, root: Path, diagnostics: Diagnostics) -> bool:
    """Whether ``folder`` may hold the book's cache; a warning naming it if not."""
    reason = refusal(folder, root)
    if reason is not None:
        diagnostics.warning(
            Position(shown(folder, root)),
            f"not used as the PDF book's cache: {reason}; the book is made without it "
            "(a cache is this machine's own, never the repository's: remove it, or set "
            f"{CACHE_ENV} to a folder outside the project)",
        )
    return reason is None


def open_cache(folder: Path, root: Path, diagnostics: Diagnostics) -> BookCache | None:
    """The cache in ``folder`` for the project at ``root`` (None, and a warning, if it is
    refused)."""
    if not check_cache(folder, root, diagnostics):
        return None
    note = ""
    where = _key_file(folder, root)
    try:
        if where is None:
            raise OSError("the user's cache folder is inside the project, or there is none")
        if where.parent == folder:
            folder.mkdir(parents=True, exist_ok=True)
        key = _keep_key(where)
    except OSError as error:
        key = secrets.token_bytes(32)  # this build's entries only: nothing is found again
        note = f"its key cannot be kept ({error}): nothing it holds will be used"
    try:
        return BookCache(folder, key, note)
    except OSError as error:
        diagnostics.warning(
            Position(shown(folder, root)),
            f"not used as the PDF book's cache: it cannot be made ({error.strerror or error})",
        )
        return None


def scratch_cache(folder: Path) -> BookCache:
    """A cache of one build, in a temporary folder (no cache, or a refused one)."""
    return BookCache(folder, secrets.token_bytes(32))
