"""`hall-county` maintenance commands for the query side (the receiver itself is `hall-county` alone).

hall-county import-cases FILE      cases exported by the business system (JSON or CSV)
hall-county demo-cases FILE        write realistic demo cases (JSON) to import
hall-county export-catalogue FILE  write the catalogue in use (demo or catalogue_file) as JSON
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path

from core.clock import CHINA_TZ
from county.cases import CaseImportError, CaseStore, load_or_create_key, read_export
from county.catalogue import CatalogueError, load_catalogue
from county.demo_cases import demo_export
from county.settings import CountySettings

COMMANDS = ("import-cases", "demo-cases", "export-catalogue")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "command", nargs="?", choices=COMMANDS, help="a maintenance command instead of running the service"
    )
    p.add_argument("file", nargs="?", type=Path, help="the file the command reads or writes")


def run(settings: CountySettings, command: str, file: Path | None) -> int:
    if file is None:
        print(f"hall-county {command}: needs a FILE", file=sys.stderr)
        return 2
    try:
        if command == "import-cases":
            records = read_export(file)
            store = CaseStore(settings.cases_path, load_or_create_key(settings.id_key_path))
            try:
                n = store.upsert(records, datetime.now(CHINA_TZ))
                total = store.count()
            finally:
                store.close()
            print(f"imported {n} cases from {file} into {settings.cases_path} ({total} in the store)")
        elif command == "demo-cases":
            file.write_text(
                json.dumps({"cases": demo_export(datetime.now(CHINA_TZ))}, ensure_ascii=False, indent=1),
                encoding="utf-8",
            )
            print(f"wrote demo cases to {file}")
        elif command == "export-catalogue":
            cat = load_catalogue(settings.catalogue_file)
            file.write_text(json.dumps(cat.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
            print(f"wrote catalogue {cat.version} ({len(cat.items)} items) to {file}")
    except (CaseImportError, CatalogueError) as e:
        print(f"hall-county {command}: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"hall-county {command}: {e.filename or file}: {e.strerror}", file=sys.stderr)
        return 1
    return 0
