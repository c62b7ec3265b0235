"""Which indicators an integration owns, without a misleading notification to end users.

MDE shows an indicator's `application` to end users in block notifications in place of the file or domain
name, and sets it only when the indicator is created. So an integration marks what it creates *or updates*
with a tag at the end of the description (every submit rewrites the description, so the tag follows the
latest writer), and owns an indicator that carries its tag or, where an admin names one, its application.
The Sentinel playbooks use the same rule (their OwnerTag and LegacyApplication parameters).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Mapping

from .model import Model

DESCRIPTION, APPLICATION = "description", "application"


@dataclass(frozen=True)
class Ownership:
    tag: str = ""  # appended to the description of every indicator written
    application: str = ""  # set on indicators created (MDE keeps a creator's application)

    def __bool__(self) -> bool:
        return bool(self.tag or self.application)

    def owns(self, row: Mapping[str, Any]) -> bool:
        """Whether an indicator MDE returned is ours: it carries the tag or the application."""
        description = str(row.get(DESCRIPTION) or "")
        if self.tag and description.rstrip().endswith(self.tag):
            return True
        return bool(self.application) and row.get(APPLICATION) == self.application

    def stamp(self, body: Dict[str, Any], model: Model) -> Dict[str, Any]:
        """body marked as ours: the tag ends its description (within the field's length), the
        application is set unless the item names its own."""
        marked = dict(body)
        if self.tag:
            limit = model.fields[DESCRIPTION].max_length or 0
            text = str(marked.get(DESCRIPTION) or "").rstrip()
            if not text.endswith(self.tag):
                suffix = f" {self.tag}" if text else self.tag
                if limit and len(text) + len(suffix) > limit:
                    text = text[: max(0, limit - len(suffix) - 1)].rstrip() + "…"
                text += suffix
            marked[DESCRIPTION] = text
        if self.application and not marked.get(APPLICATION):
            marked[APPLICATION] = self.application
        return marked

    def describe(self) -> str:
        parts = [f"whose description ends with {self.tag!r}"] if self.tag else []
        if self.application:
            parts.append(f"whose application is {self.application!r}")
        return " or ".join(parts) or "marked as this integration's (none is configured)"
