"""The programme's matching-rule configuration, shared in the ``settings`` table under "rules".

Every rule can be switched on or off, made hard (it blocks a pair) or soft (it only lowers
the score), weighted, and given its thresholds. The stored value is validated when it is
loaded; a bad value is refused with a message naming the rule and the field, never guessed.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from rmtui.db import Store, read_setting, read_settings
from rmtui.error_log import UserError
from rmtui.rules import RULE_BOOK, RuleSpec, Threshold

SETTINGS_KEY = "rules"

__all__ = [
    "RULE_SPECS",
    "SPECS",
    "RuleConfig",
    "RuleConfigError",
    "RuleSetting",
    "RuleSpec",
    "Threshold",
    "default_rule_config",
    "load_rule_config",
    "rules_from_value",
    "save_rule_config",
    "setting_value",
    "stored_rule_config",
]


class RuleConfigError(ValueError, UserError):
    """The stored rule configuration is not valid; the message says which rule and why."""


# Every rule's spec lives with its check and its matrix form in rules.py (one Rule object each).
RULE_SPECS: tuple[RuleSpec, ...] = tuple(rule.spec for rule in RULE_BOOK)

SPECS: dict[str, RuleSpec] = {spec.id: spec for spec in RULE_SPECS}


@dataclass
class RuleSetting:
    """How one rule is set for this programme."""

    id: str
    enabled: bool
    hard: bool
    weight: float
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def spec(self) -> RuleSpec:
        return SPECS[self.id]

    @property
    def label(self) -> str:
        return self.spec.label


@dataclass
class RuleConfig:
    """Every rule's setting, in the order the rule panel lists them."""

    rules: dict[str, RuleSetting]

    def __getitem__(self, rule_id: str) -> RuleSetting:
        return self.rules[rule_id]

    def param(self, rule_id: str, name: str) -> Any:
        """Return threshold or option ``name`` of ``rule_id``."""
        return self.rules[rule_id].params[name]

    def active(self, rule_id: str) -> bool:
        """Return whether ``rule_id`` is switched on."""
        return self.rules[rule_id].enabled

    def to_value(self) -> dict[str, Any]:
        """Return the JSON value stored under the "rules" setting."""
        return {
            rule_id: {"enabled": s.enabled, "hard": s.hard, "weight": s.weight, **s.params}
            for rule_id, s in self.rules.items()
        }

    def copy(self) -> RuleConfig:
        return copy.deepcopy(self)


def default_rule_config() -> RuleConfig:
    """Return the rules a new programme starts with (the defaults of the pairing issue)."""
    rules = {}
    for spec in RULE_SPECS:
        params: dict[str, Any] = {t.name: t.default for t in spec.thresholds}
        params.update({name: "" for name in spec.text})
        rules[spec.id] = RuleSetting(spec.id, spec.enabled, spec.hard, float(spec.weight), params)
    return rules_from_value({}, base=RuleConfig(rules))


def rules_from_value(value: Any, *, base: RuleConfig | None = None) -> RuleConfig:
    """Return the configuration ``value`` describes over the defaults; RuleConfigError if invalid."""
    config = (base or default_rule_config()).copy()
    if value in (None, {}):
        return config
    if not isinstance(value, dict):
        raise RuleConfigError("The rules setting must be a mapping of rule name to its options.")
    for rule_id, options in value.items():
        spec = SPECS.get(rule_id)
        if spec is None:
            known = ", ".join(SPECS)
            raise RuleConfigError(f"Unknown rule {rule_id!r} in the rules setting; known rules: {known}.")
        if not isinstance(options, dict):
            raise RuleConfigError(f"Rule {rule_id!r} must be a mapping of options, not {options!r}.")
        setting = config.rules[rule_id]
        for key, raw in options.items():
            setting_value(spec, setting, key, raw)
        if spec.fixed and not (setting.enabled and setting.hard):
            raise RuleConfigError(f"Rule {rule_id!r} ({spec.label}) is always on and hard; it cannot be changed.")
        for name in spec.text:
            if setting.enabled and not str(setting.params[name]).strip():
                example = f" to e.g. {spec.text_example}" if spec.text_example else ""
                raise RuleConfigError(f"Rule {rule_id!r} is on but names no {name}; set {name}{example}.")
    return config


def setting_value(spec: RuleSpec, setting: RuleSetting, key: str, raw: Any) -> None:
    """Set option ``key`` of ``setting`` to ``raw`` after checking it; RuleConfigError if wrong."""
    where = f"Rule {spec.id!r} option {key!r}"
    if key in ("enabled", "hard"):
        if not isinstance(raw, bool):
            raise RuleConfigError(f"{where} must be true or false, not {raw!r}.")
        setattr(setting, key, raw)
    elif key == "weight":
        if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not 0 <= raw <= 100:
            raise RuleConfigError(f"{where} must be a number from 0 to 100, not {raw!r}.")
        setting.weight = float(raw)
    elif key in spec.text:
        if not isinstance(raw, str):
            raise RuleConfigError(f"{where} must be text, not {raw!r}.")
        setting.params[key] = raw.strip()
    else:
        threshold = next((t for t in spec.thresholds if t.name == key), None)
        if threshold is None:
            allowed = ", ".join(["enabled", "hard", "weight", *(t.name for t in spec.thresholds), *spec.text])
            raise RuleConfigError(f"{where} is unknown; this rule takes: {allowed}.")
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            raise RuleConfigError(f"{where} must be a number, not {raw!r}.")
        if threshold.integer and raw != int(raw):
            raise RuleConfigError(f"{where} must be a whole number, not {raw!r}.")
        if not threshold.low <= raw <= threshold.high:
            raise RuleConfigError(f"{where} must be between {threshold.low:g} and {threshold.high:g}, not {raw!r}.")
        setting.params[key] = int(raw) if threshold.integer else float(raw)


def load_rule_config(store: Store) -> RuleConfig:
    """Return the programme's rule configuration (defaults where unset); RuleConfigError if invalid."""
    return rules_from_value(read_settings(store).get(SETTINGS_KEY))


def stored_rule_config(store: Store) -> tuple[RuleConfig | None, int]:
    """Return the stored rule configuration and its version (0: never saved).

    The configuration is None when what is stored is not valid rules; the version is
    still right for saving a corrected configuration over it.
    """
    value, version = read_setting(store, SETTINGS_KEY)
    try:
        return rules_from_value(value), version
    except RuleConfigError:
        return None, version


def save_rule_config(store: Store, config: RuleConfig, expected_version: int | None = None) -> int:
    """Validate ``config`` and store it for every coordinator (audited); return the new version.

    With ``expected_version`` (from :func:`stored_rule_config`) the save is refused with
    ConflictError if another coordinator saved the rules since they were read.
    """
    value = config.to_value()
    rules_from_value(value)
    with store.write() as writer:
        return writer.set_setting(SETTINGS_KEY, value, expected_version)
