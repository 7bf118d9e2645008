"""Writing output files so that no file is ever lost.

Every command that writes files goes through here. The rules, stated in docs/robusthet.md:

- an input of the command is never written over, not even with ``--force``;
- a FIFO, a device or another special file is never replaced or written into;
- an existing file is replaced only with ``--force`` (``force=True``);
- output goes to a temporary file beside the target and is renamed into place, so a failed
  or interrupted run leaves the old file (or none), never half a file;
- a folder the command builds (``docs``, ``generate``) is replaced only if everything in it
  is listed in the manifest the command wrote there itself;
- a path composed below a target folder stays inside that folder.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import tempfile
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Callable, Iterable, Iterator

MESSAGE_SUFFIXES = (".json", ".xml")


class OutputRefused(Exception):
    """The target cannot be written safely; the message says why and what to do (exit code 2)."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _is_input(target: Path, inputs: Iterable[Path]) -> bool:
    """Whether ``target`` is one of the inputs, or would be read as one (a message file in an input folder)."""
    real = Path(os.path.realpath(target))
    for given in inputs:
        given = Path(given)
        try:
            if given.is_dir():
                inside = real.is_relative_to(os.path.realpath(given))
                if inside and real.suffix.lower() in MESSAGE_SUFFIXES:
                    return True
            elif target.exists() and given.exists() and os.path.samefile(target, given):
                return True
            elif real == Path(os.path.realpath(given)):
                return True
        except OSError:
            continue
    return False


def check_target(target: Path, inputs: Iterable[Path] = (), force: bool = False) -> None:
    """Refuse a target that is an input, a special file, a folder or (without ``force``) an existing file.

    Call it before the work, so that a refused target costs nothing; ``write_atomic`` checks again.
    """
    target = Path(target)
    if _is_input(target, inputs):
        raise OutputRefused(f"{target} er en av inndatafilene og blir aldri skrevet over; velg en annen utdatafil")
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as error:
        raise OutputRefused(f"kan ikke skrive {target}: {error.strerror or error}") from None
    if mode is not None and stat.S_ISDIR(mode):
        raise OutputRefused(f"{target} er en mappe; oppgi en fil")
    if mode is not None and not stat.S_ISREG(mode):
        raise OutputRefused(f"{target} er ikke en vanlig fil (men for eksempel en FIFO eller en enhet) "
                            "og blir aldri erstattet; skriv til en vanlig fil eller til standard ut")
    if not force and os.path.lexists(target):
        raise OutputRefused(f"{target} finnes fra før; bruk --force for å skrive over den")
    if not target.parent.is_dir():
        raise OutputRefused(f"mappen {target.parent} finnes ikke")


@contextlib.contextmanager
def open_atomic(target: Path, *, force: bool = False, inputs: Iterable[Path] = ()) -> Iterator[BinaryIO]:
    """A binary file to write; on success it is renamed to ``target``, on failure removed."""
    target = Path(target)
    inputs = list(inputs)
    check_target(target, inputs, force)
    handle, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        _commit(Path(tmp), target, force, inputs)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _commit(tmp: Path, target: Path, force: bool, inputs: list[Path]) -> None:
    check_target(target, inputs, force)  # again: the target may have appeared while we wrote
    try:
        old_mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        old_mode = None
    os.chmod(tmp, old_mode if old_mode is not None else 0o666 & ~_umask())
    if force:
        os.replace(tmp, target)
        return
    try:
        os.link(tmp, target)  # fails if the target exists: no window in which it could be overwritten
    except FileExistsError:
        raise OutputRefused(f"{target} finnes fra før; bruk --force for å skrive over den") from None
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.EXDEV, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
            raise
        os.replace(tmp, target)  # a file system without hard links; checked just above
        return
    tmp.unlink()


def write_atomic(target: Path, content: bytes | str | Callable[[BinaryIO], object], *, force: bool = False,
                 inputs: Iterable[Path] = ()) -> Path:
    """Write ``content`` (bytes, text as UTF-8, or a function writing to a binary file) to ``target``."""
    with open_atomic(target, force=force, inputs=inputs) as out:
        if callable(content):
            content(out)
        else:
            out.write(content.encode("utf-8") if isinstance(content, str) else content)
    return Path(target)


def inside(folder: Path, relative: str) -> Path:
    """``folder / relative``, refused if the composed path would leave ``folder``."""
    parts = PurePosixPath(str(relative).replace("\\", "/"))
    if parts.is_absolute() or not parts.parts or any(p in ("..", "") for p in parts.parts) or "\x00" in str(relative):
        raise OutputRefused(f"stien «{relative}» går ut av mappen {folder}")
    path = Path(folder).joinpath(*parts.parts)
    if not Path(os.path.realpath(path)).is_relative_to(os.path.realpath(folder)):
        raise OutputRefused(f"stien «{relative}» går ut av mappen {folder} (via en lenke)")
    return path


# --- folders a command builds -------------------------------------------------------------


def read_manifest(folder: Path, marker: str) -> set[str] | None:
    """The files listed in the manifest ``marker`` in ``folder``; None if there is none."""
    path = Path(folder) / marker
    if not path.is_file() or path.is_symlink():
        return None
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return {line for line in lines[1:] if line and not line.startswith("#")}


def write_manifest(folder: Path, marker: str, title: str, files: Iterable[str]) -> None:
    text = title + "\n" + "".join(f"{rel}\n" for rel in sorted(set(files)))
    write_atomic(Path(folder) / marker, text, force=True)


def files_below(folder: Path) -> list[str]:
    """Every entry below ``folder`` that is not a folder (links are not followed), as relative paths."""
    found = []
    for root, dirs, names in os.walk(folder, onerror=_raise):
        base = Path(root)
        for name in dirs:
            if (base / name).is_symlink():
                names.append(name)  # a link is the user's, never followed
        dirs[:] = [d for d in dirs if not (base / d).is_symlink()]
        found += [(base / name).relative_to(folder).as_posix() for name in names]
    return sorted(found)


def _raise(error: OSError) -> None:
    raise error


def check_owned_folder(folder: Path, marker: str) -> None:
    """Refuse a folder that holds anything its manifest does not list (files the command did not make)."""
    folder = Path(folder)
    if not os.path.lexists(folder):
        return
    if folder.is_symlink() or not folder.is_dir():
        raise OutputRefused(f"{folder} finnes og er ikke en mappe; velg en annen mappe")
    try:
        present = files_below(folder)
    except OSError as error:
        raise OutputRefused(f"kan ikke lese mappen {folder}: {error.strerror or error}") from None
    if not present:
        return
    listed = read_manifest(folder, marker)
    if listed is None:
        raise OutputRefused(f"{folder} finnes og ble ikke laget av kad-spec (mangler {marker}); "
                            "velg en annen mappe eller tøm den selv")
    foreign = [rel for rel in present if rel != marker and rel not in listed]
    if foreign:
        raise OutputRefused(f"{folder} inneholder {folder / foreign[0]}, som kad-spec ikke har laget"
                            + (f" (og {len(foreign) - 1} til)" if len(foreign) > 1 else "")
                            + "; flytt den eller velg en annen mappe")


def replace_folder(folder: Path, build: Callable[[Path], None], marker: str, title: str) -> None:
    """Build a new ``folder`` beside it and swap it in; the old one goes only if it was all ours.

    ``build(staging)`` writes the files; the manifest ``marker`` listing them is added here.
    """
    folder = Path(folder)
    check_owned_folder(folder, marker)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".ny", dir=folder.parent))
    try:
        os.chmod(staging, 0o777 & ~_umask())
        build(staging)
        write_manifest(staging, marker, title, [rel for rel in files_below(staging) if rel != marker])
        check_owned_folder(folder, marker)  # again: files may have been added while we built
        if os.path.lexists(folder):
            old = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".gammel", dir=folder.parent))
            os.replace(folder, old)  # an empty folder of ours is replaced by the old one, atomically
            os.replace(staging, folder)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
