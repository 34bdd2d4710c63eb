"""身份证号 cannot be recovered from the database alone: the stored hash is keyed with keys
kept outside it (0600 file or CHOUCHA_ID_KEY); a re-import still matches people; an older
database's plain salted hashes are wrapped; a missing or wrong key stops the import with a
clear reason; rotation adds a key without the numbers."""

from __future__ import annotations

import csv
import hashlib
import sqlite3
import stat
from pathlib import Path

from openpyxl import load_workbook

from bot.config import load_settings
from bot.core import Core
from bot.demo_data import generate
from bot.services.access import SYSTEM
from bot.services.exports import export
from bot.services.imports import import_file
from bot.services.personal import forget_personal_uploads
from storage import Database
from storage.files import blob_path, write_blob
from tests.support.helpers import choucha


def numbers(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as fh:
        return [row[0] for row in list(csv.reader(fh))[1:]]


def database_bytes(folder: Path) -> bytes:
    """The database file and its WAL, as someone who copied them would have them."""
    return b"".join(p.read_bytes() for p in sorted(folder.glob("c.sqlite3*")))


def stored(db: Path) -> tuple[str, set[str]]:
    with sqlite3.connect(db) as conn:
        salt = conn.execute("SELECT value FROM settings WHERE key = 'id_salt'").fetchone()[0]
        hashes = {r[0] for r in conn.execute("SELECT id_hash FROM inspectors")}
    return str(salt), hashes


async def load(core: Core, files: dict[str, Path], kinds: tuple[str, ...]) -> list[object]:
    return [await import_file(core, SYSTEM, files[k], files[k].name, k) for k in kinds]


async def test_id_numbers_are_keyed_outside_the_database(tmp_path: Path) -> None:
    settings = load_settings({"CHOUCHA_DB": str(tmp_path / "data" / "c.sqlite3"),
                              "CHOUCHA_KEY_DIR": str(tmp_path / "keys")})
    files = generate(tmp_path / "county", targets=10, per_department=3)
    async with Database(settings.db_path) as db:
        core = Core(settings, db, "b")
        reports = await load(core, files, ("departments", "inspectors"))
        assert all(r.ok for r in reports)  # type: ignore[attr-defined]
        key = tmp_path / "keys" / "id-hash.keys"
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
        salt, hashes = stored(settings.db_path)
        ids = numbers(files["inspectors"])
        # The database alone: the salted SHA-256 an attacker would enumerate matches nothing.
        assert not hashes & {hashlib.sha256(f"{salt}:{n}".encode()).hexdigest() for n in ids}
        # A re-import matches everyone (nothing new, nothing changed).
        again = await import_file(core, SYSTEM, files["inspectors"], "i.csv", "inspectors")
        assert (again.inserted, again.updated) == (0, 0) and again.unchanged == len(ids)
        # Rotation: every stored hash changes, people still match.
    code, out, err = await choucha({"CHOUCHA_DB": str(settings.db_path),
                                    "CHOUCHA_KEY_DIR": str(tmp_path / "keys")}, "keys", "rotate")
    assert code == 0, err
    assert f"{len(ids)} stored" in out and len(key.read_text().split()) == 2
    assert not stored(settings.db_path)[1] & hashes
    async with Database(settings.db_path) as db:
        again = await import_file(Core(settings, db, "b"), SYSTEM, files["inspectors"], "i.csv",
                                  "inspectors")
        assert again.unchanged == len(ids) and again.inserted == 0
    # Without the key file: refused with the reason, nothing changed.
    key.rename(tmp_path / "elsewhere")
    async with Database(settings.db_path) as db:
        refused = await import_file(Core(settings, db, "b"), SYSTEM, files["inspectors"],
                                    "i.csv", "inspectors")
    assert not refused.ok and "missing" in refused.problems[0].message
    assert not key.exists()  # no new key was made behind the office's back
    # A wrong key: told so.
    (tmp_path / "keys" / "id-hash.keys").write_text("ab" * 32 + "\n" + "cd" * 32 + "\n")
    async with Database(settings.db_path) as db:
        wrong = await import_file(Core(settings, db, "b"), SYSTEM, files["inspectors"],
                                  "i.csv", "inspectors")
    assert not wrong.ok and "not the one" in wrong.problems[0].message


async def test_an_older_database_is_wrapped_and_still_matches(tmp_path: Path) -> None:
    settings = load_settings({"CHOUCHA_DB": str(tmp_path / "c.sqlite3"),
                              "CHOUCHA_ID_KEY": "0f" * 32})
    files = generate(tmp_path / "county", targets=10, per_department=3)
    async with Database(settings.db_path) as db:
        core = Core(settings, db, "b")
        await load(core, files, ("departments", "inspectors"))
    # Make it look like a database of the earlier scheme: plain salted SHA-256, no layers.
    salt = stored(settings.db_path)[0]
    with sqlite3.connect(settings.db_path) as conn:
        conn.execute("DELETE FROM settings WHERE key IN ('id_hash_layers', 'id_key_check')")
        for cert, number in zip(
                [r[0] for r in conn.execute("SELECT cert_no FROM inspectors ORDER BY rowid")],
                numbers(files["inspectors"]), strict=False):
            conn.execute("UPDATE inspectors SET id_hash = ? WHERE cert_no IS ?",
                         (hashlib.sha256(f"{salt}:{number}".encode()).hexdigest(), cert))
    async with Database(settings.db_path) as db:
        again = await import_file(Core(settings, db, "b"), SYSTEM, files["inspectors"], "i.csv",
                                  "inspectors")
    assert again.ok and (again.inserted, again.updated) == (0, 0)  # the same hashes
    ids = numbers(files["inspectors"])
    assert not stored(settings.db_path)[1] & {
        hashlib.sha256(f"{salt}:{n}".encode()).hexdigest() for n in ids}


async def test_phone_numbers_are_encrypted_at_rest(tmp_path: Path) -> None:
    settings = load_settings({"CHOUCHA_DB": str(tmp_path / "c.sqlite3"),
                              "CHOUCHA_KEY_DIR": str(tmp_path / "keys")})
    files = generate(tmp_path / "county", targets=10, per_department=3)
    with files["inspectors"].open(encoding="utf-8") as fh:
        phones = {row[3] for row in list(csv.reader(fh))[1:]}
    async with Database(settings.db_path) as db:
        core = Core(settings, db, "b")
        reports = await load(core, files, ("departments", "inspectors"))
        assert all(r.ok for r in reports)  # type: ignore[attr-defined]
        again = await import_file(core, SYSTEM, files["inspectors"], "i.csv", "inspectors")
        assert again.unchanged == len(phones) and again.updated == 0  # deterministic
        out = tmp_path / "inspectors.xlsx"
        await export(core, SYSTEM, "inspectors", out)
    raw = database_bytes(tmp_path)
    assert not any(p.encode() in raw for p in phones)  # not in the database file at all
    with sqlite3.connect(settings.db_path) as conn:
        assert all(str(r[0]).startswith("v1:")
                   for r in conn.execute("SELECT phone FROM inspectors"))
    exported = {str(c.value) for s in load_workbook(out) for r in s.iter_rows(min_row=2)
                for c in r}
    assert phones <= exported  # the office's own export has them back
    assert stat.S_IMODE((tmp_path / "keys" / "data.key").stat().st_mode) == 0o600


async def test_uploads_kept_by_an_earlier_version_are_forgotten(core: Core,
                                                               tmp_path: Path) -> None:
    files = generate(tmp_path / "county", targets=10, per_department=3)
    await load(core, files, ("departments", "items", "inspectors"))
    kept = {k: write_blob(core.files_root, files[k].read_bytes())
            for k in ("items", "inspectors")}  # as the bot used to keep every upload
    assert await forget_personal_uploads(core) == 1
    assert not blob_path(core.files_root, kept["inspectors"]).exists()
    assert blob_path(core.files_root, kept["items"]).exists()


async def test_the_last_four_characters_of_an_id_number_are_not_kept_in_clear(
        tmp_path: Path) -> None:
    """Beside the keyed hash, the last four characters in clear left about a thousand
    candidates per county code: with the database and the hash keys, every 身份证号 came
    back in a tenth of a second. They are encrypted with the data key (kept apart from the
    hash keys); the export still masks with them and a masked row still matches (issue 29)."""
    settings = load_settings({"CHOUCHA_DB": str(tmp_path / "data" / "c.sqlite3"),
                              "CHOUCHA_KEY_DIR": str(tmp_path / "keys")})
    files = generate(tmp_path / "county", targets=10, per_department=3)
    ids = numbers(files["inspectors"])
    async with Database(settings.db_path) as db:
        core = Core(settings, db, "b")
        loaded = await load(core, files, ("departments", "inspectors"))
        assert all(r.ok for r in loaded)  # type: ignore[attr-defined]
        with sqlite3.connect(settings.db_path) as conn:
            stored = [r[0] for r in conn.execute("SELECT id_last4 FROM inspectors")]
        assert stored and all(v.startswith("v1:") for v in stored)
        assert not {n[-4:] for n in ids} & set(stored)
        out = tmp_path / "inspectors.xlsx"
        await export(core, SYSTEM, "inspectors", out)
        sheet = load_workbook(out).active
        masked = [str(row[0]) for row in sheet.iter_rows(min_row=2, values_only=True)]
        assert sorted(masked) == sorted("*" * 14 + n[-4:] for n in ids)
        # The export, sent back as it is (masked numbers): everyone still matches.
        again = await import_file(core, SYSTEM, out, "inspectors.xlsx", "inspectors")
        assert again.ok and again.inserted == 0, again.problems[:3]
