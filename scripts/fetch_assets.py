"""Fetch front-end libraries from package registries into static/vendor/.

Leaflet and its marker-cluster plugin come from PyPI (the xstatic packages in
requirements.txt); htmx and axe-core (for the accessibility test) come from the npm
registry through `npm pack`. Nothing
is loaded from a CDN at run time: whitenoise serves these files.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import xstatic.pkg.leaflet as leaflet
import xstatic.pkg.leaflet_markercluster as markercluster

ROOT = Path(__file__).resolve().parent.parent
SOURCE_MAP = re.compile(r"^(?://|/\*)# sourceMappingURL=([^\s*]+)(?:\s*\*/)?$")
VENDOR = ROOT / "static" / "vendor"

# npm packages: name@version -> files to copy out of the package tarball.
NPM_PACKAGES: dict[str, dict[str, str]] = {
    "htmx.org@2.0.11": {"package/dist/htmx.min.js": "htmx/htmx.min.js"},
    # Only the accessibility test injects it; pages never load it.
    "axe-core@4.14.1": {"package/axe.min.js": "axe-core/axe.min.js"},
}


def copy_xstatic() -> None:
    for module, name in ((leaflet, "leaflet"), (markercluster, "leaflet.markercluster")):
        target = VENDOR / name
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(Path(module.BASE_DIR), target)


def drop_missing_source_maps() -> None:
    """Remove `sourceMappingURL` comments that name a map the package does not ship
    (leaflet.markercluster's minified file): collectstatic's manifest storage refuses a
    reference to a missing file, and a browser would only fetch it in its developer tools."""
    for path in sorted(VENDOR.rglob("*")):
        if path.suffix not in {".js", ".css"} or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines(keepends=True)
        kept = [line for line in lines if not _missing_map(line, path.parent)]
        if len(kept) != len(lines):
            path.write_text("".join(kept), encoding="utf-8")


def _missing_map(line: str, folder: Path) -> bool:
    match = SOURCE_MAP.match(line.strip())
    return match is not None and not (folder / match.group(1)).exists()


def fetch_npm() -> None:
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("npm is needed once to fetch htmx and axe-core from npm: install Node.js and npm")
    with tempfile.TemporaryDirectory() as tmp:
        for spec, files in NPM_PACKAGES.items():
            out = subprocess.run(
                [npm, "pack", spec, "--silent", "--pack-destination", tmp],
                check=True,
                capture_output=True,
                text=True,
            )
            tarball = Path(tmp) / out.stdout.strip().splitlines()[-1]
            with tarfile.open(tarball) as tar:
                for member, dest in files.items():
                    extracted = tar.extractfile(member)
                    if extracted is None:
                        sys.exit(f"{spec}: {member} missing from the package")
                    path = VENDOR / dest
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(extracted.read())


def main() -> None:
    VENDOR.mkdir(parents=True, exist_ok=True)
    copy_xstatic()
    fetch_npm()
    drop_missing_source_maps()
    print(f"assets ready in {VENDOR.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
