"""Numbered schema files, one folder per engine, applied in order at start-up."""

from __future__ import annotations

from importlib import resources


def load(engine: str) -> list[tuple[int, list[str]]]:
    """(version, statements) for every migration file of `engine`, in version order."""
    folder = resources.files("roster.store.schema").joinpath(engine)
    found: list[tuple[int, list[str]]] = []
    for entry in folder.iterdir():
        name = entry.name
        if not name.endswith(".sql"):
            continue
        version = int(name.split("_", 1)[0])
        text = entry.read_text(encoding="utf-8")
        found.append((version, split_statements(text)))
    found.sort(key=lambda item: item[0])
    return found


def split_statements(text: str) -> list[str]:
    """Our schema files hold no `;` inside literals, so a plain split is exact."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("--")]
    return [stmt.strip() for stmt in "\n".join(lines).split(";") if stmt.strip()]
